/** What every page gets from the shell, and the status line pages report into. */
import type { QuantisClient } from "@quantis/client/web";

import { h } from "./dom.js";
import { describeError } from "./format.js";

export interface PageContext {
  client: QuantisClient;
  /** Aborted when the person leaves the page, ending its streams. */
  signal: AbortSignal;
  /** The route's parameters after "?" ("#/forecast?model=…"). */
  params: URLSearchParams;
  navigate(route: string): void;
  /** Why the person is on the login page, when the session ended on its own. */
  notice?: string;
}

export type Page = (context: PageContext) => HTMLElement;

/** A line under a form that says what happened: busy, done, or what went wrong. */
export class Status {
  readonly element = h("p", { class: "status", role: "status" });

  busy(text: string): void {
    this.set("busy", text);
  }

  done(text: string): void {
    this.set("done", text);
  }

  failed(error: unknown): void {
    this.set("error", describeError(error));
  }

  /** Says nothing: what it said no longer holds. */
  clear(): void {
    this.set("", "");
  }

  private set(kind: string, text: string): void {
    this.element.className = kind ? `status ${kind}` : "status";
    this.element.textContent = text;
  }
}

/** Runs an action for a button, reporting into `status`; the button is disabled meanwhile. */
export async function act(button: HTMLButtonElement, status: Status, action: () => Promise<void>): Promise<void> {
  button.disabled = true;
  try {
    await action();
  } catch (error) {
    status.failed(error);
  } finally {
    button.disabled = false;
  }
}
