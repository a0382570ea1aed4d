/**
 * `--set a=1 b=2` as `--set a=1 --set b=2`: the words after a --set that hold '=' and do not start with '-'
 * are further settings (a benchmark name never holds '=').
 */
export function expandSetArgs(argv: readonly string[]): string[] {
  const out: string[] = [];
  let inSet = false;
  for (const a of argv) {
    if (a === '--') {
      inSet = false;
      out.push(a);
    } else if (a === '--set') {
      inSet = true;
      out.push(a);
    } else if (a.startsWith('--set=')) {
      inSet = true;
      out.push(a);
    } else if (inSet && !a.startsWith('-') && a.includes('=') && out[out.length - 1] !== '--set') {
      out.push('--set', a);
    } else {
      if (out[out.length - 1] !== '--set') inSet = inSet && !a.startsWith('-') && a.includes('=');
      out.push(a);
    }
  }
  return out;
}

/** Whether we run under CI: CI set to anything but '', '0' or 'false' (CI=false is a common way to say no). */
export function isCI(env: NodeJS.ProcessEnv = process.env): boolean {
  const v = env.CI;
  return v !== undefined && !['', '0', 'false', 'no', 'off'].includes(v.trim().toLowerCase());
}
