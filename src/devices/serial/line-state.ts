// The three modem-control lines a host drives. Kept in one type so that every change names
// all three: serialport's set() fills omitted flags with dtr=true, rts=true, brk=false
// (reference key finding 4), which silently resets ESP boards.

export interface LineState {
  dtr: boolean;
  rts: boolean;
  brk: boolean;
}

/** What Linux leaves after open(): DTR and RTS raised, no break. */
export const LINES_AFTER_OPEN: Readonly<LineState> = Object.freeze({ dtr: true, rts: true, brk: false });

export function mergeLines(current: LineState, change: Partial<LineState>): LineState {
  return {
    dtr: change.dtr ?? current.dtr,
    rts: change.rts ?? current.rts,
    brk: change.brk ?? current.brk,
  };
}
