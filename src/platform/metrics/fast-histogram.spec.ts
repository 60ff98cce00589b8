import { AggregatorRegistry, Histogram, Registry } from 'prom-client';

import { FastHistogram } from './fast-histogram';

describe('FastHistogram', () => {
  const buckets = [0.001, 0.005, 0.01, 0.1, 1];
  const observations: Array<[string, string, number]> = [
    ['/v1/projects', '2xx', 0.0004],
    ['/v1/projects', '2xx', 0.001],
    ['/v1/projects', '2xx', 0.0031],
    ['/v1/projects', '4xx', 0.02],
    ['unmatched', '4xx', 7],
    ['/v1/user', '2xx', 0.1],
  ];

  it("exposes exactly what prom-client's Histogram exposes for the same observations", async () => {
    const reference = new Registry();
    const fast = new Registry();
    const h = new Histogram({
      name: 'd',
      help: 'duration',
      labelNames: ['route', 'status_class'],
      buckets,
      registers: [reference],
    });
    const f = new FastHistogram({
      name: 'd',
      help: 'duration',
      labelNames: ['route', 'status_class'],
      buckets,
      registers: [fast],
    });
    // A bound but never-observed series is left out, as prom-client never creates it.
    f.bind({ route: '/v1/projects', status_class: '5xx' });
    for (const [route, statusClass, value] of observations) {
      h.labels(route, statusClass).observe(value);
      f.bind({ route, status_class: statusClass })(value);
    }
    expect(await fast.metrics()).toBe(await reference.metrics());
    expect(await fast.getMetricsAsJSON()).toEqual(await reference.getMetricsAsJSON());
  });

  it('reset zeroes the series and keeps bound observers working', async () => {
    const registry = new Registry();
    const f = new FastHistogram({
      name: 'd',
      help: 'h',
      labelNames: ['route'],
      buckets,
      registers: [registry],
    });
    const observe = f.bind({ route: '/x' });
    observe(0.002);
    registry.resetMetrics();
    expect(await registry.metrics()).not.toContain('d_count');
    observe(0.002);
    expect(await registry.metrics()).toContain('d_count{route="/x"} 1');
  });

  it('sums across cluster workers like a prom-client Histogram (AggregatorRegistry, WORKERS=n)', async () => {
    const workers = (make: (r: Registry) => (route: string, v: number) => void) =>
      Promise.all(
        [0, 1].map(async (w) => {
          const registry = new Registry();
          const observe = make(registry);
          for (const [route, , value] of observations.slice(w * 3, w * 3 + 3)) observe(route, value);
          return registry.getMetricsAsJSON();
        }),
      );
    const reference = await workers((r) => {
      const h = new Histogram({ name: 'd', help: 'h', labelNames: ['route'], buckets, registers: [r] });
      return (route, v) => h.labels(route).observe(v);
    });
    const fast = await workers((r) => {
      const f = new FastHistogram({ name: 'd', help: 'h', labelNames: ['route'], buckets, registers: [r] });
      return (route, v) => f.bind({ route })(v);
    });
    expect(await AggregatorRegistry.aggregate(fast).metrics()).toBe(
      await AggregatorRegistry.aggregate(reference).metrics(),
    );
  });
});
