// The playground page: one training worker per method, sliders that restart them, and two live charts.
import uPlot from 'uplot';
import 'uplot/dist/uPlot.min.css';
import './playground.css';
import type { PlaygroundSettings, WorkerMessage } from './protocol.js';

const METHODS = [
  { name: 'bp', label: 'backprop', color: '#4c78a8' },
  { name: 'cbp', label: 'continual backprop', color: '#f58518' },
  { name: 'shrink-perturb', label: 'shrink & perturb', color: '#54a24b' },
] as const;

interface Lane {
  readonly method: (typeof METHODS)[number];
  worker: Worker | null;
  accuracy: number[];
  dead: number[];
  backend: string;
  status: string;
  done: boolean;
  error: string | null;
  examples: number;
  seconds: number;
}

const params = new URLSearchParams(location.search);
const num = (k: string, d: number) => {
  const v = Number(params.get(k));
  return params.has(k) && Number.isFinite(v) ? v : d;
};
const fixed = {
  examplesPerTask: num('examples', 0),
  seed: num('seed', 0),
  backend: (['auto', 'wasm', 'ts'].includes(params.get('backend') ?? '') ? params.get('backend') : 'auto') as PlaygroundSettings['backend'],
};

const el = <T extends HTMLElement>(id: string) => document.getElementById(id) as T;
/** Slider stops: the values a slider can take, and the one it starts at (a URL parameter can set it). */
const stops = {
  lr: { values: [0.001, 0.002, 0.003, 0.005, 0.01, 0.02, 0.03, 0.05, 0.1, 0.2], initial: num('lr', 0.03) },
  width: { values: [10, 20, 50, 100, 150, 200, 300], initial: num('width', 100) },
  rate: { values: [1e-6, 3e-6, 1e-5, 3e-5, 1e-4, 3e-4, 1e-3, 3e-3, 1e-2], initial: num('rate', 1e-4) },
  tasks: { values: [10, 20, 50, 100, 200, 300, 500], initial: num('tasks', 100) },
};
const sliders = Object.fromEntries(Object.entries(stops).map(([k, s]) => {
  const input = el<HTMLInputElement>(k);
  const out = el<HTMLOutputElement>(`${k}-out`);
  // A value that is not a stop (from the URL) becomes one, in order.
  const values = [...new Set([...s.values, s.initial])].sort((a, b) => a - b);
  input.min = '0';
  input.max = String(values.length - 1);
  input.step = '1';
  input.value = String(values.indexOf(s.initial));
  const show = () => (out.textContent = String(values[Number(input.value)]));
  input.addEventListener('input', show);
  input.addEventListener('change', () => restart());
  show();
  return [k, { input, values }];
})) as Record<keyof typeof stops, { input: HTMLInputElement; values: number[] }>;
const read = (k: keyof typeof stops) => sliders[k].values[Number(sliders[k].input.value)]!;

const lanes: Lane[] = METHODS.map((method) => ({ method, worker: null, accuracy: [], dead: [], backend: '', status: '', done: false, error: null, examples: 0, seconds: 0 }));
const methodsBox = el<HTMLElement>('methods');
methodsBox.innerHTML = METHODS.map((m) => `<div class="lane" data-method="${m.name}" style="border-color:${m.color}">
  <h2 style="color:${m.color}">${m.label} <small>${m.name}</small></h2>
  <div class="big"><span class="acc">–</span><small>online accuracy, last task</small></div>
  <div class="big"><span class="dead">–</span><small>dead units</small></div>
  <div class="status"></div></div>`).join('');

function chart(id: string, yLabel: string, percent: boolean): uPlot {
  const box = el<HTMLElement>(id);
  return new uPlot({
    width: Math.max(320, box.clientWidth || 600), height: 260,
    scales: { x: { time: false }, y: { range: [0, 1] } },
    axes: [{ label: 'task' }, { label: yLabel, values: (_u, v) => v.map((x) => (percent ? `${Math.round(x * 100)}%` : String(x))) }],
    series: [{ label: 'task' }, ...METHODS.map((m) => ({ label: m.name, stroke: m.color, width: 1.5, value: (_u: uPlot, v: number | null) => (v == null ? '–' : `${(v * 100).toFixed(1)}%`) }))],
  }, [[], [], [], []], box);
}
const charts = { accuracy: chart('chart-accuracy', 'online accuracy', true), dead: chart('chart-dead', 'dead units', true) };

let pending = false;
function redraw(): void {
  if (pending) return;
  pending = true;
  requestAnimationFrame(() => {
    pending = false;
    const n = Math.max(0, ...lanes.map((l) => l.accuracy.length));
    const xs = Array.from({ length: n }, (_, i) => i + 1);
    const col = (a: number[]) => xs.map((_, i) => (i < a.length ? a[i]! : null));
    charts.accuracy.setData([xs, ...lanes.map((l) => col(l.accuracy))] as uPlot.AlignedData);
    charts.dead.setData([xs, ...lanes.map((l) => col(l.dead))] as uPlot.AlignedData);
    for (const l of lanes) {
      const box = methodsBox.querySelector<HTMLElement>(`.lane[data-method="${l.method.name}"]`)!;
      const last = (a: number[]) => (a.length ? `${(a[a.length - 1]! * 100).toFixed(1)}%` : '–');
      box.querySelector('.acc')!.textContent = last(l.accuracy);
      box.querySelector('.dead')!.textContent = last(l.dead);
      const speed = l.seconds > 0 ? `, ${Math.round(l.examples / l.seconds).toLocaleString('en')} images/s` : '';
      box.querySelector('.status')!.textContent = l.error ? `error: ${l.error}` : `${l.done ? 'done' : 'training'}: task ${l.accuracy.length} of ${read('tasks')}${speed} (${l.backend || 'starting'})`;
      box.dataset.tasks = String(l.accuracy.length);
      box.dataset.done = String(l.done);
    }
  });
}

function restart(): void {
  const settings = { lr: read('lr'), width: read('width'), rate: read('rate'), tasks: read('tasks'), ...fixed };
  for (const l of lanes) {
    l.worker?.terminate();
    Object.assign(l, { accuracy: [], dead: [], backend: '', done: false, error: null, examples: 0, seconds: 0 });
    const w = new Worker(new URL('trainWorker.js', import.meta.url), { type: 'module' });
    l.worker = w;
    w.onmessage = (e: MessageEvent<WorkerMessage>) => {
      const m = e.data;
      if (m.type === 'ready') {
        l.backend = m.backend;
        el<HTMLElement>('backend-note').textContent = `Kernels: ${m.note}.`;
      } else if (m.type === 'record') {
        const acc = m.record['online/accuracy'];
        const dead = m.record['diag/deadFraction'];
        if (acc !== undefined) l.accuracy.push(acc);
        if (dead !== undefined) l.dead.push(dead);
      } else if (m.type === 'progress') {
        l.examples = m.examples;
        l.seconds = m.seconds;
      } else if (m.type === 'done') l.done = true;
      else if (m.type === 'error') l.error = m.message;
      redraw();
    };
    w.onerror = (e) => {
      l.error = e.message || 'the worker failed to start';
      redraw();
    };
    w.postMessage({ type: 'start', settings: { ...settings, method: l.method.name } satisfies PlaygroundSettings });
  }
  redraw();
}

el<HTMLButtonElement>('restart').addEventListener('click', () => restart());
/** For tests and the curious: the curves so far. */
(window as unknown as { playground: unknown }).playground = { lanes };
restart();
