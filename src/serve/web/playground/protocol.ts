/** What the playground page asks a training worker to run. */
export interface PlaygroundSettings {
  /** 'bp', 'cbp' or 'shrink-perturb'. */
  readonly method: string;
  readonly lr: number;
  /** Units in each of the three hidden layers. */
  readonly width: number;
  /** cbp's replacement rate (units per mature unit per step). */
  readonly rate: number;
  readonly tasks: number;
  /** Images per task (0: all 1437 training digits, as the quickstart). */
  readonly examplesPerTask: number;
  readonly seed: number;
  /** 'auto' tries wasm (it needs a cross-origin isolated page for its shared memory), then ts. */
  readonly backend: 'auto' | 'wasm' | 'ts';
}

/** Messages from a training worker. */
export type WorkerMessage =
  | { readonly type: 'ready'; readonly backend: string; readonly note: string }
  | { readonly type: 'record'; readonly record: Readonly<Record<string, number>> }
  | { readonly type: 'progress'; readonly task: number; readonly examples: number; readonly seconds: number }
  | { readonly type: 'done'; readonly seconds: number }
  | { readonly type: 'error'; readonly message: string };
