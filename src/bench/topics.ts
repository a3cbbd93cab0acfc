// Which topic a board pulls when the operator did not choose one (DESIGN.md §7): an ESP8266
// with 4 MB of flash is an ESP-12E, the seed's test board; other sizes and chips get their own
// topic, so a test written for 4 MB never lands on a 1 MB ESP-01.

export const DEFAULT_TOPICS: Readonly<Record<string, string>> = Object.freeze({
  'esp8266:4MB': 'ourci/test/esp-12e',
  cc3200: 'ourci/test/cc3200',
});

function sizeKey(bytes: number | undefined): string | undefined {
  if (!bytes) return undefined;
  return bytes >= 1 << 20 ? `${bytes >> 20}MB` : `${bytes >> 10}KB`;
}

/** The keys a board matches, most specific first: `esp8266:4MB`, then `esp8266`. */
export function topicKeysOf(board: { type: string; flashSize?: number }): string[] {
  const size = sizeKey(board.flashSize);
  return size ? [`${board.type}:${size}`, board.type] : [board.type];
}

/**
 * The topic of a board: its own (per board id), else the first matching default by type
 * (configured defaults before the built-in ones), else `ourci/test/<type>[-<size>]`.
 * Unknown boards get none: nothing is known to run on them.
 */
export function topicFor(
  board: { id: string; type: string; flashSize?: number },
  perBoard: Readonly<Record<string, string>>,
  byType: Readonly<Record<string, string>> = {},
): string | undefined {
  if (perBoard[board.id]) return perBoard[board.id];
  if (board.type === 'unknown') return undefined;
  const keys = topicKeysOf(board);
  for (const table of [byType, DEFAULT_TOPICS]) {
    for (const k of keys) if (table[k]) return table[k];
  }
  const size = sizeKey(board.flashSize);
  return `ourci/test/${board.type}${size ? `-${size.toLowerCase()}` : ''}`;
}
