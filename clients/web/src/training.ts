/**
 * A training job's live progress, from WatchTrainingJob: a server stream, which gRPC-web
 * carries. The stream sends the current snapshot first, then every epoch, trial and state
 * change, and ends after the final state.
 */
import { TrainingJobState, type QuantisClient, type TrainingProgress } from "@quantis/client/web";

import { h } from "./dom.js";
import { enumName, number } from "./format.js";

const FINAL = new Set([TrainingJobState.SUCCEEDED, TrainingJobState.FAILED, TrainingJobState.CANCELLED]);

/** The progress panel; `data-job-state` holds the state's name, for people's style sheets and tests. */
export class TrainingPanel {
  readonly element = h("div", { class: "training", "data-job-state": "" });
  private readonly bar = h("progress", { max: 1, value: 0 });
  private readonly line = h("p", { class: "training-line" });

  constructor() {
    this.element.append(this.bar, this.line);
  }

  show(progress: TrainingProgress): void {
    const state = enumName(TrainingJobState, progress.state);
    this.element.dataset["jobState"] = state;
    this.bar.value = progress.state === TrainingJobState.SUCCEEDED ? 1 : progress.fractionComplete;
    const parts = [state.toLowerCase()];
    if (progress.totalEpochs > 0) parts.push(`epoch ${progress.epoch} of ${progress.totalEpochs}`);
    if (progress.totalTrials > 0) parts.push(`trial ${progress.trial} of ${progress.totalTrials}`);
    if (progress.trainLoss) parts.push(`train loss ${number(progress.trainLoss, 4)}`);
    if (progress.validationLoss) parts.push(`validation loss ${number(progress.validationLoss, 4)}`);
    if (progress.message) parts.push(progress.message);
    this.line.textContent = parts.join(" · ");
  }
}

/** Follows a job until it ends (or `signal` aborts); the final progress, if the stream reached it. */
export async function watchJob(
  client: QuantisClient,
  jobId: string,
  panel: TrainingPanel,
  signal: AbortSignal,
): Promise<TrainingProgress | undefined> {
  let last: TrainingProgress | undefined;
  for await (const { progress } of client.models.watchTrainingJob({ jobId }, { signal })) {
    if (progress === undefined) continue;
    last = progress;
    panel.show(progress);
    if (FINAL.has(progress.state)) return progress;
  }
  return last;
}
