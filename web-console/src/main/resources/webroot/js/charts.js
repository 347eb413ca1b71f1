// The last minutes of a device as uPlot charts: one series per queue. The container's data-points and
// data-max attributes say what is drawn (the canvas itself cannot be read back).
import uPlot from '/webjars/uplot/dist/uPlot.esm.js';

const COLORS = ['#2f6fdb', '#1f8a4c', '#c53030', '#b7791f', '#805ad5', '#0987a0', '#d53f8c', '#4a5568'];

export class QueueChart {
  /** metric: 'req' or 'mb' (the history's series), title: the chart's title. */
  constructor(container, title, metric) {
    this.container = container;
    this.title = title;
    this.metric = metric;
    this.plot = null;
    this.indices = '';
  }

  update(history) {
    const indices = [...history.queues.keys()].sort((a, b) => a - b);
    const data = [history.t, ...indices.map((i) => history.queues.get(i)[this.metric])];
    if (!this.plot || this.indices !== indices.join(',')) {
      this.create(indices, data);
    } else {
      this.plot.setData(data);
    }
    const values = data.slice(1).flat().filter((v) => v !== null);
    this.container.dataset.points = String(history.t.length);
    this.container.dataset.max = String(values.length ? Math.max(...values) : 0);
  }

  create(indices, data) {
    this.plot?.destroy();
    this.indices = indices.join(',');
    const width = Math.max(360, this.container.clientWidth || 480);
    this.plot = new uPlot({
      title: this.title,
      width,
      height: 180,
      series: [{}, ...indices.map((i, n) => ({
        label: `queue ${i}`,
        stroke: COLORS[n % COLORS.length],
        width: 1.5,
        value: (u, v) => (v === null ? '' : v.toFixed(2)),
      }))],
      axes: [{}, { size: 60 }],
      scales: { y: { range: (u, min, max) => [0, Math.max(1, max * 1.1)] } },
    }, data, this.container);
  }

  destroy() {
    this.plot?.destroy();
    this.plot = null;
  }
}
