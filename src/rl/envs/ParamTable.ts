/** What a physical parameter may be: its default, its lower bound and what it means. */
export interface ParamSpec {
  readonly default: number;
  /** Smallest allowed value (inclusive unless `exclusive`); absent: any finite number. */
  readonly min?: number;
  /** The bound `min` itself is not allowed (masses, lengths: > 0). */
  readonly exclusive?: boolean;
  readonly doc: string;
}

/**
 * The named physical parameters of one environment (gravity, masses, lengths, friction) with their current
 * values. `set` checks every name and value before changing anything, and its errors name the environment,
 * the parameter, the value and what is allowed (or the known names).
 */
export class ParamTable<K extends string> {
  /** Current values; environments read these in `step`. */
  readonly values: Record<K, number>;

  constructor(
    readonly envId: string,
    readonly specs: Readonly<Record<K, ParamSpec>>,
  ) {
    this.values = {} as Record<K, number>;
    for (const k of this.names()) this.values[k] = specs[k].default;
  }

  /** The parameter names of the environment, in the order of its specs. */
  names(): K[] {
    return Object.keys(this.specs) as K[];
  }

  /** A copy of the current values. */
  get(): Record<K, number> {
    return { ...this.values };
  }

  /** Checks `values` against the specs without changing anything; throws on the first problem. */
  check(values: Readonly<Record<string, number>>): void {
    for (const [name, v] of Object.entries(values)) {
      const spec = (this.specs as Record<string, ParamSpec | undefined>)[name];
      if (!spec) throw new Error(`${this.envId}: unknown parameter '${name}'; known: ${this.names().join(', ')}`);
      if (typeof v !== 'number' || !Number.isFinite(v)) throw new Error(`${this.envId}: parameter '${name}' = ${String(v)} is not allowed: a finite number`);
      if (spec.min !== undefined && (spec.exclusive ? v <= spec.min : v < spec.min)) {
        throw new Error(`${this.envId}: parameter '${name}' = ${v} is not allowed: must be ${spec.exclusive ? '>' : '>='} ${spec.min}`);
      }
    }
  }

  /** Sets some parameters (all checked first: on an error nothing changes). */
  set(values: Readonly<Record<string, number>>): void {
    this.check(values);
    Object.assign(this.values, values);
  }
}
