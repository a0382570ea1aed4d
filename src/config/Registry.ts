/** A named collection (methods, benchmarks, diagnostics, presets): refuses duplicates, and a miss lists what exists. */
export class Registry<T extends { readonly name: string }> {
  private readonly items = new Map<string, T>();

  constructor(readonly kind: string) {}

  register(item: T): T {
    if (this.items.has(item.name)) throw new Error(`${this.kind} '${item.name}' is registered twice`);
    this.items.set(item.name, item);
    return item;
  }

  get(name: string): T {
    const item = this.items.get(name);
    if (!item) throw new Error(`unknown ${this.kind} '${name}'; known: ${this.names().join(', ') || '(none)'}`);
    return item;
  }

  has(name: string): boolean {
    return this.items.has(name);
  }

  names(): string[] {
    return [...this.items.keys()];
  }

  all(): T[] {
    return [...this.items.values()];
  }
}
