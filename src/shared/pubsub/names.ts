// Topic and subscription names (DESIGN.md §2): the seed's `ourci/build/docker` is valid.
import { z } from 'zod';

export const NAME_PATTERN = /^[A-Za-z0-9._~+%/-]{1,255}$/;

export const ResourceName = z
  .string()
  .regex(NAME_PATTERN, 'must be 1-255 characters of A-Z a-z 0-9 . _ ~ + % / -');

export function isValidName(name: string): boolean {
  return NAME_PATTERN.test(name);
}
