// The ISA-18.2 alarm state machine: Normal -> Unacknowledged Active -> Acknowledged Active ->
// (Return to normal) -> Normal, and Unacknowledged Active -> Return-to-normal Unacknowledged ->
// Normal on acknowledge. Shelved, suppressed and out of service are flags beside the state.
import type { AlarmState } from '../contracts';

export type LifecycleAction = 'raise' | 'clear' | 'ack';

/** The next state, or undefined when the action changes nothing in this state. */
export function nextState(state: AlarmState, action: LifecycleAction): AlarmState | undefined {
  switch (action) {
    case 'raise':
      return state === 'normal' || state === 'unack-rtn' ? 'unack-active' : undefined;
    case 'clear':
      if (state === 'unack-active') return 'unack-rtn';
      if (state === 'ack-active') return 'normal';
      return undefined;
    case 'ack':
      if (state === 'unack-active') return 'ack-active';
      if (state === 'unack-rtn') return 'normal';
      return undefined;
  }
}

export function isActive(state: AlarmState): boolean {
  return state === 'unack-active' || state === 'ack-active';
}

export function isAcked(state: AlarmState): boolean {
  return state === 'normal' || state === 'ack-active';
}
