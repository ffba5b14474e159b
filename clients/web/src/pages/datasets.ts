/** Datasets: the caller's list, a CSV upload with a progress bar, and one dataset's statistics. */
import { ColumnRole, Frequency, type Dataset } from "@quantis/client/web";

import { choice, field, fill, h, table } from "../dom.js";
import { dateTime, day, enumName, number } from "../format.js";
import { act, Status, type PageContext } from "../page.js";
import { pagedTable, TABLE_PAGE_SIZE, type ListPage } from "../paging.js";
import { uploadFile } from "../upload.js";

/** The Frequency values a person picks from, by contract name. */
const FREQUENCIES: [string, string][] = [
  [String(Frequency.UNSPECIFIED), "infer from the timestamps"],
  ...[Frequency.HOURLY, Frequency.DAILY, Frequency.WEEKLY, Frequency.MONTHLY, Frequency.QUARTERLY, Frequency.YEARLY].map(
    (f): [string, string] => [String(f), enumName(Frequency, f).toLowerCase()],
  ),
];

export function datasetsPage({ client, params }: PageContext): HTMLElement {
  const list = h("div", { id: "dataset-list" });
  const stats = h("div", { id: "dataset-stats" });
  const listStatus = new Status();

  async function showList(): Promise<void> {
    const load = async (pageToken: string): Promise<ListPage<Dataset>> => {
      const answer = await client.datasets.listDatasets({ pageSize: TABLE_PAGE_SIZE, pageToken });
      return { items: answer.datasets, nextPageToken: answer.nextPageToken };
    };
    const first = await load("");
    fill(
      list,
      first.items.length === 0
        ? h("p", {}, "No datasets yet: upload a CSV below.")
        : pagedTable(
            ["Name", "Rows", "Series", "Frequency", "From", "To", "Uploaded", ""],
            first,
            (d) => [
              d.name,
              number(d.rowCount),
              number(d.seriesCount),
              enumName(Frequency, d.frequency).toLowerCase(),
              day(d.startTime),
              day(d.endTime),
              dateTime(d.createTime),
              h("button", { type: "button", class: "link", onclick: () => void select(d.datasetId) }, "Stats"),
            ],
            load,
            listStatus,
            { class: "datasets" },
          ),
    );
  }

  async function showStats(datasetId: string): Promise<void> {
    const [{ dataset }, { stats: s }] = await Promise.all([
      client.datasets.getDataset({ datasetId }),
      client.datasets.getDatasetStats({ datasetId, maxSeries: 50 }),
    ]);
    if (dataset === undefined || s === undefined) return;
    const quality = s.quality;
    fill(
      stats,
      h("h3", {}, `Statistics of ${dataset.name}`),
      quality &&
        h(
          "div",
          { class: "quality" },
          h("strong", {}, `Quality ${quality.score.toFixed(0)} / 100`),
          h(
            "ul",
            {},
            ...[quality.completeness, quality.uniqueness, quality.regularity, quality.outlierShare].map(
              (part) => part && h("li", {}, part.explanation || number(part.value)),
            ),
          ),
        ),
      table(
        ["Column", "Role", "Count", "Missing", "Mean", "Std", "Min", "Median", "Max", "Outliers"],
        s.columns.map((c) => [
          c.name,
          enumName(ColumnRole, c.role).toLowerCase(),
          number(c.count),
          number(c.missing),
          number(c.mean),
          number(c.std),
          number(c.min),
          number(c.p50),
          number(c.max),
          number(c.outlierCount),
        ]),
        { class: "column-stats" },
      ),
      table(
        ["Series", "Length", "From", "To", "Missing"],
        s.series.map((r) => [r.seriesId, number(r.length), day(r.startTime), day(r.endTime), number(r.missing)]),
        { class: "series-stats" },
      ),
    );
  }

  /** Shows a dataset's statistics and puts it in the address, without rendering the page again. */
  async function select(datasetId: string): Promise<void> {
    history.replaceState(null, "", `#/datasets?id=${datasetId}`);
    await showStats(datasetId).catch((error) => listStatus.failed(error));
  }

  const section = h("section", {}, h("h2", {}, "Datasets"), list, listStatus.element, uploadForm(), stats);
  showList().catch((error) => listStatus.failed(error));
  const selected = params.get("id");
  if (selected) showStats(selected).catch((error) => listStatus.failed(error));
  return section;

  function uploadForm(): HTMLElement {
    const file = h("input", { name: "file", type: "file", accept: ".csv,.parquet", required: true });
    const name = h("input", { name: "name", placeholder: "the file's name" });
    const timestamp = h("input", { name: "timestamp_column", value: "timestamp" });
    const values = h("input", { name: "value_columns", value: "value" });
    const seriesId = h("input", { name: "series_id_column", value: "series_id", placeholder: "empty for one series" });
    const frequency = choice("frequency", FREQUENCIES);
    const progress = h("progress", { max: 1, value: 0 });
    const submit = h("button", { type: "submit" }, "Upload");
    const status = new Status();

    function upload(event: Event): void {
      event.preventDefault();
      const chosen = file.files?.[0];
      if (chosen === undefined) return;
      void act(submit, status, async () => {
        status.busy(`Uploading ${chosen.name}…`);
        const dataset: Dataset = await uploadFile(
          client,
          chosen,
          {
            name: name.value || chosen.name.replace(/\.[^.]*$/, ""),
            timestampColumn: timestamp.value,
            valueColumns: values.value.split(",").map((v) => v.trim()).filter(Boolean),
            seriesIdColumn: seriesId.value,
            frequency: Number(frequency.value),
          },
          (committed, total) => {
            progress.value = total === 0 ? 1 : committed / total;
            status.busy(`Uploading ${chosen.name}: ${number(committed)} of ${number(total)} bytes`);
          },
        );
        status.done(`Uploaded ${dataset.name}: ${number(dataset.rowCount)} rows in ${number(dataset.seriesCount)} series.`);
        await showList();
        await select(dataset.datasetId);
      });
    }

    return h(
      "form",
      { class: "upload", onsubmit: upload },
      h("h3", {}, "Upload a dataset"),
      field("File", file),
      field("Name", name),
      field("Timestamp column", timestamp),
      field("Value columns", values),
      field("Series id column", seriesId),
      field("Frequency", frequency),
      submit,
      progress,
      status.element,
    );
  }
}
