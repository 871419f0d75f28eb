import type { Scheduler } from '../scheduler.js';
import type { SchedulerEventName, SchedulerEvents } from '../events.js';

/** Resolves with the next event of that name that matches; tests wait on events, never on the clock. */
export function nextEvent<E extends SchedulerEventName>(
  scheduler: Scheduler,
  event: E,
  matches: (payload: SchedulerEvents[E]) => boolean = () => true,
): Promise<SchedulerEvents[E]> {
  return new Promise((resolve) => {
    const off = scheduler.on(event, (payload) => {
      if (!matches(payload)) return;
      off();
      resolve(payload);
    });
  });
}

/** Every event of that name, in order, for assertions after the fact. */
export function recordEvents<E extends SchedulerEventName>(
  scheduler: Scheduler,
  event: E,
): SchedulerEvents[E][] {
  const seen: SchedulerEvents[E][] = [];
  scheduler.on(event, (payload) => seen.push(payload));
  return seen;
}

/** A promise with its resolve function, to hold a job's run open until the test lets go. */
export function gate(): { readonly opened: Promise<void>; open(): void } {
  let open: () => void = () => undefined;
  const opened = new Promise<void>((resolve) => {
    open = resolve;
  });
  return { opened, open };
}
