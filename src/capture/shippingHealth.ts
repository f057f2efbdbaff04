/**
 * Whether changes reach the journal, told once per episode: the first
 * failure of a run of them is reported (onError), and so is the first
 * success after it (onRecover); the failures in between only update the
 * state that status() shows. An app whose store disk is full hears about it
 * once, not every second, and hears again when it is over.
 */
import { BackupError } from "../errors";

export interface ShippingTrouble {
  code: string;
  message: string;
  /** When this run of failures began (ISO 8601). */
  since: string;
  /** The latest failure (ISO 8601). */
  at: string;
}

export class ShippingHealth {
  private trouble: ShippingTrouble | null = null;

  constructor(
    private readonly onError: (error: unknown) => void,
    private readonly onRecover: (trouble: ShippingTrouble) => void,
  ) {}

  get current(): ShippingTrouble | null {
    return this.trouble;
  }

  failed(error: unknown): void {
    const now = new Date().toISOString();
    const code = error instanceof BackupError ? error.code : (error as NodeJS.ErrnoException)?.code ?? "INTERNAL";
    const message = error instanceof Error ? error.message : String(error);
    const first = this.trouble === null;
    this.trouble = { code, message, since: this.trouble?.since ?? now, at: now };
    if (first) this.onError(error);
  }

  succeeded(): void {
    const ended = this.trouble;
    this.trouble = null;
    if (ended) this.onRecover(ended);
  }
}
