/**
 * Models: create one on a dataset, train it with live progress, and manage its versions:
 * compare them on a shared held-out window and deploy one.
 */
import {
  ComparisonMetric,
  ModelType,
  ModelVersionState,
  TrainingJobState,
  type HyperparameterSpec,
  type Model,
  type ModelTypeInfo,
} from "@quantis/client/web";

import { choice, field, fill, h, table } from "../dom.js";
import { dateTime, enumName, number } from "../format.js";
import { hyperparameterFields, hyperparameterValues } from "../hyperparameters.js";
import { act, Status, type PageContext } from "../page.js";
import { allPages, pagedTable, TABLE_PAGE_SIZE, type ListPage } from "../paging.js";
import { TrainingPanel, watchJob } from "../training.js";

function deployedVersion(model: Model): string {
  return model.deployment?.splits.map((s) => `${s.versionId.slice(0, 8)} (${s.percent}%)`).join(", ") ?? "";
}

export function modelsPage(context: PageContext): HTMLElement {
  const { client, params } = context;
  const list = h("div", { id: "model-list" });
  const detail = h("div", { id: "model-detail" });
  const status = new Status();

  async function showList(): Promise<void> {
    const load = async (pageToken: string): Promise<ListPage<Model>> => {
      const answer = await client.models.listModels({ pageSize: TABLE_PAGE_SIZE, pageToken });
      return { items: answer.models, nextPageToken: answer.nextPageToken };
    };
    const first = await load("");
    fill(
      list,
      first.items.length === 0
        ? h("p", {}, "No models yet: create one below.")
        : pagedTable(
            ["Name", "Type", "Horizon", "Versions", "Deployed", ""],
            first,
            (m) => [
              m.name,
              enumName(ModelType, m.type),
              m.horizon,
              m.latestVersion,
              deployedVersion(m),
              h("button", { type: "button", class: "link", onclick: () => void open(m.modelId) }, "Open"),
            ],
            load,
            status,
            { class: "models" },
          ),
    );
  }

  /** Shows a model (and the list, which may have just gained it), without rendering the page again. */
  async function open(modelId: string): Promise<void> {
    history.replaceState(null, "", `#/models?id=${modelId}`);
    fill(detail, modelPanel(context, modelId, showList));
    await showList();
  }

  const section = h("section", {}, h("h2", {}, "Models"), list, status.element, detail, createForm(context, open));
  const selected = params.get("id");
  (selected ? open(selected) : showList()).catch((error) => status.failed(error));
  return section;
}

function createForm({ client }: PageContext, open: (modelId: string) => Promise<void>): HTMLElement {
  const name = h("input", { name: "name", required: true });
  const type = choice("type", []);
  const dataset = choice("dataset", []);
  const horizon = h("input", { name: "horizon", type: "number", min: 1, value: 12, required: true });
  const hyperparameters = h("fieldset", { class: "hyperparameters" });
  const submit = h("button", { type: "submit" }, "Create");
  const status = new Status();
  let types: ModelTypeInfo[] = [];
  let specs: HyperparameterSpec[] = [];

  function showHyperparameters(): void {
    specs = types.find((t) => t.type === Number(type.value))?.hyperparameters ?? [];
    fill(hyperparameters, h("legend", {}, "Hyperparameters (empty: the default)"), ...hyperparameterFields(specs));
  }
  type.addEventListener("change", showHyperparameters);

  void (async () => {
    const [{ modelTypes }, datasets] = await Promise.all([
      client.models.listModelTypes({}),
      allPages(async (pageToken) => {
        const answer = await client.datasets.listDatasets({ pageSize: 100, pageToken });
        return { items: answer.datasets, nextPageToken: answer.nextPageToken };
      }),
    ]);
    types = modelTypes;
    fill(type, ...types.map((t) => h("option", { value: t.type }, t.displayName)));
    fill(dataset, ...datasets.map((d) => h("option", { value: d.datasetId }, `${d.name} (${number(d.rowCount)} rows)`)));
    showHyperparameters();
  })().catch((error) => status.failed(error));

  const form: HTMLFormElement = h(
    "form",
    {
      class: "create-model",
      onsubmit: (event: Event) => {
        event.preventDefault();
        void act(submit, status, async () => {
          status.busy("Creating…");
          const { model } = await client.models.createModel({
            name: name.value,
            type: Number(type.value),
            datasetId: dataset.value,
            horizon: Number(horizon.value),
            hyperparameters: hyperparameterValues(form, specs),
          });
          if (model === undefined) return;
          status.done(`Created ${model.name}.`);
          await open(model.modelId);
        });
      },
    },
    h("h3", {}, "Create a model"),
    field("Name", name),
    field("Type", type),
    field("Dataset", dataset),
    field("Horizon", horizon),
    hyperparameters,
    submit,
    status.element,
  );
  return form;
}

function modelPanel({ client, signal }: PageContext, modelId: string, refreshList: () => Promise<void>): HTMLElement {
  const heading = h("h3");
  const panel = new TrainingPanel();
  const train = h("button", { type: "button", name: "train" }, "Train");
  const versions = h("div", { class: "versions" });
  const comparison = h("div", { class: "comparison" });
  const status = new Status();

  async function follow(jobId: string): Promise<void> {
    status.busy("Training…");
    const final = await watchJob(client, jobId, panel, signal);
    const { job } = await client.models.getTrainingJob({ jobId });
    if (job?.state === TrainingJobState.SUCCEEDED) status.done(`Training done: version ${job.versionId.slice(0, 8)} is ready.`);
    else if (job !== undefined) status.done(`Training ${enumName(TrainingJobState, job.state).toLowerCase()}. ${job.errorMessage}`);
    if (final !== undefined) await Promise.all([showVersions(), refreshList()]);
  }

  async function showVersions(): Promise<void> {
    const [{ model }, all] = await Promise.all([
      client.models.getModel({ modelId }),
      allPages(async (pageToken) => {
        const answer = await client.models.listModelVersions({ modelId, pageSize: 100, pageToken });
        return { items: answer.versions, nextPageToken: answer.nextPageToken };
      }),
    ]);
    if (model === undefined) return;
    heading.textContent = `${model.name} · ${enumName(ModelType, model.type)} · horizon ${model.horizon}`;
    const compare = h("button", { type: "button", name: "compare" }, "Compare selected");
    compare.addEventListener("click", () =>
      void act(compare, status, async () => {
        const versionIds = [...versions.querySelectorAll<HTMLInputElement>("input[name=compare]:checked")].map((c) => c.value);
        const result = await client.models.compareModels({ versionIds, rankBy: ComparisonMetric.MASE });
        fill(
          comparison,
          h("p", {}, result.window?.description ?? ""),
          table(
            ["Rank", "Model", "Version", "MAE", "RMSE", "sMAPE", "MASE", "80% coverage"],
            result.rows.map((r) => {
              const m = r.metrics;
              return [r.rank, r.modelName, r.version, number(m?.mae), number(m?.rmse), number(m?.smape), number(m?.mase), number(m?.coverage80)];
            }),
          ),
        );
      }),
    );
    fill(
      versions,
      all.length === 0
        ? h("p", {}, "No versions yet: train the model.")
        : table(
            ["", "Version", "State", "Created", "MAE", "MASE", "sMAPE", "80% coverage", "Traffic", ""],
            all.map((v) => {
              const m = v.validationMetrics;
              const deploy = h("button", { type: "button", name: "deploy", "data-version": v.version }, v.deployed ? "Deploy again" : "Deploy");
              deploy.disabled = v.state !== ModelVersionState.READY;
              deploy.addEventListener("click", () =>
                void act(deploy, status, async () => {
                  await client.models.deployModelVersion({ modelId, versionId: v.versionId });
                  status.done(`Version ${v.version} deployed: it now serves every prediction of this model.`);
                  await Promise.all([showVersions(), refreshList()]);
                }),
              );
              return [
                h("input", { type: "checkbox", name: "compare", value: v.versionId }),
                v.version,
                enumName(ModelVersionState, v.state).toLowerCase(),
                dateTime(v.createTime),
                number(m?.mae),
                number(m?.mase),
                number(m?.smape),
                number(m?.coverage80),
                v.deployed ? `${v.trafficPercent}%` : "",
                deploy,
              ];
            }),
            { class: "model-versions" },
          ),
      all.length > 1 && compare,
    );
  }

  train.addEventListener("click", () =>
    void act(train, status, async () => {
      const { job } = await client.models.trainModel({ modelId });
      if (job !== undefined) await follow(job.jobId);
    }),
  );

  void (async () => {
    await showVersions();
    // A job already running (started elsewhere, or before a reload) is followed too.
    const { jobs } = await client.models.listTrainingJobs({
      modelId,
      states: [TrainingJobState.QUEUED, TrainingJobState.RUNNING],
      pageSize: 1,
    });
    if (jobs[0] !== undefined) await follow(jobs[0].jobId);
  })().catch((error) => status.failed(error));

  return h("div", { class: "model" }, heading, train, panel.element, status.element, versions, comparison);
}
