// Renders the lab's chart with Vega-Lite (compiled to Vega, rendered to SVG by Vega's headless view).
// Both packages are ESM-only, so lab/report.ts runs this file in a child Node.js process:
//   stdin: {"rows": [{"profile", "replica", "share", "p50Ms", "p99Ms"}], "title": "..."}
//   stdout: the SVG text
import * as vega from 'vega';
import * as vegaLite from 'vega-lite';

const chunks = [];
for await (const chunk of process.stdin) chunks.push(chunk);
const input = JSON.parse(Buffer.concat(chunks).toString('utf8'));

const profiles = [...new Set(input.rows.map((r) => r.profile))];
const replicas = [...new Set(input.rows.map((r) => r.replica))];
const colors = { 'sticky-balanced': '#d95f02', 'sticky-persistent': '#e7298a', stateless: '#1b9e77' };
const profileColor = {
  field: 'profile',
  type: 'nominal',
  sort: profiles,
  scale: { domain: profiles, range: profiles.map((p) => colors[p] ?? '#666666') },
  legend: null,
};
const column = {
  field: 'profile',
  type: 'nominal',
  sort: profiles,
  title: null,
  header: { labelFontSize: 14, labelFontWeight: 'bold' },
};
const x = { field: 'replica', type: 'nominal', sort: replicas, title: 'replica', axis: { labelAngle: 0 } };
const width = Math.max(160, 34 * replicas.length);

const share = {
  data: { values: input.rows.map((r) => ({ ...r, sharePct: r.share * 100, evenPct: 100 / replicas.length })) },
  facet: { column },
  spec: {
    width,
    height: 170,
    layer: [
      {
        mark: { type: 'bar' },
        encoding: {
          x,
          y: { field: 'sharePct', type: 'quantitative', title: 'share of requests (%)' },
          color: profileColor,
        },
      },
      {
        mark: { type: 'text', dy: -6, fontSize: 10 },
        encoding: { x, y: { field: 'sharePct', type: 'quantitative' }, text: { field: 'sharePct', type: 'quantitative', format: '.1f' } },
      },
      {
        mark: { type: 'rule', strokeDash: [4, 3], color: '#333333' },
        encoding: { y: { field: 'evenPct', type: 'quantitative', aggregate: 'mean' } },
      },
    ],
  },
  resolve: { scale: { y: 'shared' } },
};

const latencyRows = input.rows.flatMap((r) => [
  { profile: r.profile, replica: r.replica, stat: 'p50', ms: r.p50Ms },
  { profile: r.profile, replica: r.replica, stat: 'p99', ms: r.p99Ms },
]);
const latency = {
  data: { values: latencyRows },
  facet: { column },
  spec: {
    width,
    height: 170,
    layer: [
      {
        mark: { type: 'bar' },
        encoding: {
          x,
          xOffset: { field: 'stat', type: 'nominal', sort: ['p50', 'p99'] },
          y: { field: 'ms', type: 'quantitative', title: 'latency (ms)' },
          color: {
            field: 'stat',
            type: 'nominal',
            sort: ['p50', 'p99'],
            scale: { domain: ['p50', 'p99'], range: ['#9ecae1', '#08519c'] },
            legend: { title: null, orient: 'top' },
          },
        },
      },
    ],
  },
  resolve: { scale: { y: 'shared' } },
};

const spec = {
  $schema: 'https://vega.github.io/schema/vega-lite/v6.json',
  title: { text: input.title, subtitle: input.subtitle, anchor: 'start', fontSize: 15 },
  background: 'white',
  padding: 12,
  config: { font: 'DejaVu Sans, Arial, sans-serif', view: { stroke: '#dddddd' } },
  resolve: { scale: { color: 'independent' }, legend: { color: 'independent' } },
  vconcat: [
    { title: { text: 'Per-replica share of requests (dashed: an even share)', anchor: 'start', fontSize: 13 }, ...share },
    { title: { text: 'Per-replica latency, p50 and p99', anchor: 'start', fontSize: 13 }, ...latency },
  ],
};

const view = new vega.View(vega.parse(vegaLite.compile(spec).spec), { renderer: 'none' });
const svg = await view.toSVG();
view.finalize();
process.stdout.write(svg);
