import type { Catalog } from '../experiment/runConfig.js';
import { exportFormats } from '../export/exportRun.js';

/** The words each command completes: flags, and values of the flags that take names. */
export interface CompletionWords {
  readonly commands: readonly string[];
  readonly flags: Readonly<Record<string, readonly string[]>>;
  readonly benchmarks: readonly string[];
  readonly methods: readonly string[];
  readonly presets: readonly string[];
  readonly formats: readonly string[];
}

/** The words to complete, from the catalog (benchmarks, methods, presets) and the commands' flags. */
export function completionWords(catalog: Catalog): CompletionWords {
  const runFlags = ['--method', '--set', '--preset', '--condition', '--seed', '--out', '--backend', '--data-dir', '--resume', '--label', '--quiet', '--no-report', '--config', '--dry-run', '--weights', '--log-to', '--json', '--help'];
  return {
    commands: ['run', 'describe', 'list', 'sweep', 'worker', 'report', 'export', 'serve', 'data', 'completion', 'bench', 'help'],
    flags: {
      run: runFlags,
      describe: runFlags.filter((f) => !['--resume', '--quiet', '--no-report', '--dry-run', '--log-to', '--weights'].includes(f)),
      sweep: ['status', '--workers', '--dry-run', '--out', '--preset', '--seeds', '--data-dir', '--backend', '--json', '--queue', '--queue-name', '--attempts', '--backoff-seconds', '--slurm', '--partition', '--time', '--cpus-per-task', '--mem', '--no-requeue', '--signal-seconds', '--no-submit', '--help'],
      worker: ['--queue', '--concurrency', '--out', '--queue-name', '--lock-seconds', '--exit-when-done', '--jobs', '--index', '--attempts', '--backoff-seconds', '--help'],
      report: ['--out', '--json', '--help'],
      export: ['--format', '--out', '--json', '--help'],
      serve: ['--port', '--host', '--help'],
      data: ['list', 'fetch', '--data-dir', '--json', '--help'],
      list: ['benchmarks', 'methods', 'presets', 'metrics', 'model', 'optimizer', 'probes', 'run', 'backends', '--json'],
      completion: ['bash', 'zsh', 'fish'],
    },
    benchmarks: catalog.benchmarks.names(),
    methods: catalog.methods.names(),
    presets: catalog.presets.names(),
    formats: [...exportFormats],
  };
}

const q = (ws: readonly string[]) => ws.join(' ');

/** A completion script for bash, zsh or fish (`source <(supple completion bash)`). */
export function completionScript(shell: string, w: CompletionWords): string {
  switch (shell) {
    case 'bash':
    case 'zsh': {
      const cases = Object.entries(w.flags).map(([c, f]) => `    ${c}) words="${q(f)}${c === 'run' || c === 'describe' ? ` ${q(w.benchmarks)}` : ''}" ;;`).join('\n');
      const body = `# supple completion for ${shell}: add  source <(supple completion ${shell})  to ~/.${shell}rc
_supple() {
  local cur prev cmd words
  cur="\${COMP_WORDS[COMP_CWORD]}"
  prev="\${COMP_WORDS[COMP_CWORD-1]}"
  cmd="\${COMP_WORDS[1]}"
  if [ "$COMP_CWORD" -eq 1 ]; then
    COMPREPLY=( $(compgen -W "${q(w.commands)} --help --version" -- "$cur") ); return
  fi
  case "$prev" in
    --method) COMPREPLY=( $(compgen -W "${q(w.methods)}" -- "$cur") ); return ;;
    --preset) COMPREPLY=( $(compgen -W "${q(w.presets)}" -- "$cur") ); return ;;
    --format) COMPREPLY=( $(compgen -W "${q(w.formats)}" -- "$cur") ); return ;;
    --backend) COMPREPLY=( $(compgen -W "auto wasm native ts" -- "$cur") ); return ;;
    --log-to) COMPREPLY=( $(compgen -W "tensorboard" -- "$cur") ); return ;;
    --out|--resume|--data-dir|--config|--weights) COMPREPLY=( $(compgen -f -- "$cur") ); return ;;
  esac
  case "$cmd" in
${cases}
    *) words="" ;;
  esac
  COMPREPLY=( $(compgen -W "$words" -- "$cur") $(compgen -f -- "$cur") )
}
`;
      return shell === 'bash' ? `${body}complete -o filenames -F _supple supple\n` : `autoload -U +X bashcompinit && bashcompinit\n${body}complete -o filenames -F _supple supple\n`;
    }
    case 'fish': {
      const lines = [
        '# supple completion for fish: supple completion fish > ~/.config/fish/completions/supple.fish',
        'complete -c supple -f',
        `complete -c supple -n __fish_use_subcommand -a "${q(w.commands)}"`,
        ...Object.entries(w.flags).flatMap(([c, flags]) => flags.map((f) => (f.startsWith('--') ? `complete -c supple -n "__fish_seen_subcommand_from ${c}" -l ${f.slice(2)}` : `complete -c supple -n "__fish_seen_subcommand_from ${c}" -a ${f}`))),
        `complete -c supple -n "__fish_seen_subcommand_from run describe" -a "${q(w.benchmarks)}"`,
        `complete -c supple -n "__fish_seen_subcommand_from run describe sweep" -l method -x -a "${q(w.methods)}"`,
        `complete -c supple -n "__fish_seen_subcommand_from run describe sweep" -l preset -x -a "${q(w.presets)}"`,
        `complete -c supple -n "__fish_seen_subcommand_from export" -l format -x -a "${q(w.formats)}"`,
        `complete -c supple -n "__fish_seen_subcommand_from run" -l log-to -x -a tensorboard`,
        'complete -c supple -n "__fish_seen_subcommand_from run describe sweep report export" -l out -r -F',
        'complete -c supple -n "__fish_seen_subcommand_from run describe" -l config -r -F',
        '',
      ];
      return lines.join('\n');
    }
    default:
      throw new Error(`supple completion: shell '${shell}' is not supported; bash, zsh or fish`);
  }
}
