/** Options of a registry: how its items' names must look, and what else an item must satisfy. */
export interface RegistryOptions<T> {
  /** Names must match this (e.g. lowercase with dashes); said in the error. */
  readonly namePattern?: { readonly pattern: RegExp; readonly description: string };
  /** Throws a clear error when an item cannot be registered (a missing schema, a bad default). */
  readonly check?: (item: T) => void;
}

/**
 * A named collection: the one registry type of supple (methods, benchmarks, diagnostics, presets, environments,
 * agents). It refuses duplicates and bad names, and a miss lists what exists. Adding an item is one file plus one
 * `register` line.
 */
export class Registry<T extends { readonly name: string }> {
  private readonly items = new Map<string, T>();

  /** `kind` names the items in messages ('method', 'benchmark'). */
  constructor(
    readonly kind: string,
    private readonly options: RegistryOptions<T> = {},
  ) {}

  /** Adds an item; a name can be registered once. Returns the item. */
  register(item: T): T {
    const np = this.options.namePattern;
    if (np && !np.pattern.test(item.name)) throw new Error(`${this.kind} '${item.name}' is not a valid name: ${np.description}`);
    if (this.items.has(item.name)) throw new Error(`${this.kind} '${item.name}' is already registered`);
    this.options.check?.(item);
    this.items.set(item.name, item);
    return item;
  }

  /** The item with this name, or an error naming the known ones. */
  get(name: string): T {
    const item = this.items.get(name);
    if (!item) throw new Error(`unknown ${this.kind} '${name}'; known: ${this.names().join(', ') || '(none)'}`);
    return item;
  }

  /** True if an item of this name is registered. */
  has(name: string): boolean {
    return this.items.has(name);
  }

  /** The names, in registration order. */
  names(): string[] {
    return [...this.items.keys()];
  }

  /** The items, in registration order. */
  all(): T[] {
    return [...this.items.values()];
  }
}
