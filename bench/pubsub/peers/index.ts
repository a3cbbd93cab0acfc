// The systems under test, by the name used on the command line and in consumer processes.
import type { Peer } from '../peer';
import { bullmq } from './bullmq';
import { nats } from './nats';
import { ourci } from './ourci';

export const peers: Record<string, Peer> = { ourci, bullmq, nats };
