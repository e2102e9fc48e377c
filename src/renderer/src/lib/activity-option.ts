/** The dashboard's hourly chart: allowed, denied and failed requests as stacked bars. */
import type { EChartsCoreOption } from 'echarts/core';

export interface HourBucket {
  hour: string;
  allowed: number;
  denied: number;
  error: number;
}

export function hourLabel(iso: string): string {
  const d = new Date(iso);
  return Number.isNaN(d.getTime()) ? iso : `${String(d.getHours()).padStart(2, '0')}:00`;
}

export function activityOption(series: readonly HourBucket[]): EChartsCoreOption {
  const bar = (name: string, color: string, pick: (b: HourBucket) => number) => ({
    name,
    type: 'bar',
    stack: 'requests',
    barMaxWidth: 22,
    itemStyle: { color },
    emphasis: { focus: 'series' },
    data: series.map(pick),
  });
  return {
    backgroundColor: 'transparent',
    tooltip: { trigger: 'axis', axisPointer: { type: 'shadow' } },
    legend: { top: 0, right: 0, itemWidth: 12, itemHeight: 10 },
    grid: { left: 8, right: 8, top: 32, bottom: 4, containLabel: true },
    xAxis: {
      type: 'category',
      data: series.map((b) => hourLabel(b.hour)),
      axisTick: { alignWithLabel: true },
    },
    yAxis: { type: 'value', minInterval: 1 },
    series: [
      bar('Allowed', '#3aa675', (b) => b.allowed),
      bar('Denied', '#e0564b', (b) => b.denied),
      bar('Errors', '#e3a53a', (b) => b.error),
    ],
  };
}
