import { ConfigError, knownKeys } from '../config/parseConfig.js';
import type { Registry } from '../config/Registry.js';
import type { Method } from '../learn/Method.js';
import { configureMethod, methodRegistry, type MethodConfig } from '../methods/index.js';
import { setPath, type Settings } from './settings.js';

/** The method a key names explicitly (`<name>.x` or `method.<name>.x`), if any. */
export function methodTarget(parts: readonly string[], methods: Registry<Method>): string | undefined {
  if (methods.has(parts[0]!) && parts.length > 1) return parts[0];
  if (parts[0] === 'method' && parts.length > 2 && methods.has(parts[1]!)) return parts[1];
  return undefined;
}

/**
 * Routes the method keys of `--set` and of presets to the methods of a run: `method.<field>` (to the one chosen
 * method that has the field), `method.<name>.<field>` and `<name>.<field>`. The only way settings reach methods:
 * the runner's config, sweeps and the conformance suites all go through it.
 */
export class MethodKeyRouter {
  private readonly methods: Method[];
  private readonly raw: Record<string, Record<string, unknown>>;

  constructor(
    readonly names: readonly string[],
    private readonly registry: Registry<Method> = methodRegistry,
  ) {
    this.methods = names.map((n) => registry.get(n));
    this.raw = Object.fromEntries(names.map((m) => [m, {}]));
  }

  /**
   * Takes `key` if it is a method key (returns true; a bad one adds a problem). `lenient` (preset settings)
   * ignores keys of registered methods that this run does not use.
   */
  route(key: string, value: unknown, lenient: boolean, problems: string[]): boolean {
    const parts = key.split('.');
    const head = parts[0]!;
    const named = methodTarget(parts, this.registry);
    if (named && !this.names.includes(named)) {
      // A preset's settings for a method this run does not use (e.g. cbp's rate when running bp) do not apply.
      if (!lenient) problems.push(`${key}: method ${named} is not in this run (methods: ${this.names.join(', ')}); add it with --method`);
      return true;
    }
    if (head !== 'method' && !this.names.includes(head)) return false;
    let rest = parts.slice(1);
    let target: string | undefined = head === 'method' ? undefined : head;
    if (!target && rest.length > 1 && this.names.includes(rest[0]!)) {
      target = rest[0];
      rest = rest.slice(1);
    }
    if (rest.length === 0) {
      problems.push(`${key}: a method key needs a field (method.<field> or method.<name>.<field>)`);
      return true;
    }
    if (!target) {
      const owners = this.methods.filter((m) => knownKeys(m.schema).includes(rest[0]!)).map((m) => m.name);
      if (owners.length === 1) target = owners[0];
      else if (owners.length > 1) {
        problems.push(`${key}: ${owners.join(' and ')} both have '${rest[0]}'; say which: method.<name>.${rest.join('.')}`);
        return true;
      } else {
        const all = this.methods.map((m) => `${m.name}: ${knownKeys(m.schema).join(', ') || '(no options)'}`).join('; ');
        problems.push(`${key}: no chosen method has an option '${rest[0]}' (${all})`);
        return true;
      }
    }
    setPath(this.raw[target!]!, rest, value);
    return true;
  }

  /** Each method's options, validated (defaults filled in); problems are added, and their entries left undefined. */
  configs(problems: string[]): Array<MethodConfig | undefined> {
    return this.methods.map((m) => {
      try {
        return { name: m.name, ...configureMethod(m, this.raw[m.name]) };
      } catch (e) {
        if (e instanceof ConfigError) problems.push(...e.problems.map((p) => `${e.where}: ${p}`));
        else problems.push((e as Error).message);
        return undefined;
      }
    });
  }
}

/**
 * The validated configs of methods `names` from settings keyed as on the command line (`method.rate`,
 * `cbp.rate`, `method.cbp.rate`). Every problem is reported at once.
 */
export function resolveMethodSettings(names: readonly string[], settings: Settings = {}, registry: Registry<Method> = methodRegistry): MethodConfig[] {
  const problems: string[] = [];
  const dup = names.find((m, i) => names.indexOf(m) !== i);
  if (dup) throw new ConfigError('run', [`method ${dup} is named twice`]);
  const router = new MethodKeyRouter(names, registry);
  for (const [k, v] of Object.entries(settings)) if (!router.route(k, v, false, problems)) problems.push(`'${k}' is not a method setting; write method.<field>, method.<name>.<field> or <name>.<field>`);
  const configs = router.configs(problems);
  if (problems.length) throw new ConfigError(`method ${names.join('+')}`, problems);
  return configs as MethodConfig[];
}
