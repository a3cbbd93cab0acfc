// Progress of a flash operation, the same shape for every board type so that a CLI progress
// bar or the bench UI needs one renderer.

export interface FlashProgress {
  phase: 'connecting' | 'preparing' | 'writing' | 'verifying' | 'resetting' | 'done';
  /** Part being written (bundle part name or file name). */
  part?: string;
  /** Image bytes written so far, all parts together (uncompressed). */
  written: number;
  total: number;
}
