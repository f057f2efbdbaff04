/**
 * An rxjs operator that maps each event to any number of results and emits
 * them at once. mergeMap does the same by subscribing an inner observable
 * per event; a rule sees every row of a replay, so that subscription per
 * event per rule was most of the rules' own cost.
 */
import { Observable, type OperatorFunction } from "rxjs";

export function emitEach<T, R>(project: (value: T) => Iterable<R>): OperatorFunction<T, R> {
  return (source) => new Observable<R>((subscriber) => source.subscribe({
    next(value) {
      try {
        for (const r of project(value)) subscriber.next(r);
      } catch (error) {
        subscriber.error(error);
      }
    },
    error: (error: unknown) => subscriber.error(error),
    complete: () => subscriber.complete(),
  }));
}
