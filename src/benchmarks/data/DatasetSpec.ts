import type { DataSource } from '../Benchmark.js';
import type { ImageSet } from './ImageSet.js';

/** A file of a data set as its publisher distributes it, with the published checksum. */
export interface DatasetFile {
  readonly name: string;
  /** Canonical URL first, then mirrors. */
  readonly urls: readonly string[];
  readonly size: number;
  readonly sha256: string;
  readonly md5?: string;
}

/** The files found for a data set: where they are and how they were checked. */
export interface FoundFiles {
  readonly dir: string;
  /** 'files': the distributed files; 'extracted': the archive's contents unpacked in the folder. */
  readonly kind: 'files' | 'extracted';
  /** The path of the data set's file `name` inside `dir`. */
  path(name: string): string;
  /** What was read, for provenance: file names, sizes and checksums (verified or not). */
  readonly files: readonly { name: string; size: number; sha256?: string; verified: boolean }[];
}

/** What a stream needs from a data set; loaders of large sets use it to keep only that. */
export interface LoadOptions {
  readonly source: DataSource;
  /** Keep only these classes (others are skipped while reading). */
  readonly classes?: ReadonlySet<number>;
  /** Keep at most this many training images per class (the first ones in file order). */
  readonly trainPerClass?: number;
  /** Called as bytes of a download arrive (only when the files must be downloaded). */
  readonly onProgress?: (p: DownloadProgress) => void;
}

/**
 * One progress report of a download: the data set, the file and the URL it comes from, and bytes received so far of
 * the file's published size `total`.
 */
export interface DownloadProgress {
  readonly dataset: string;
  readonly file: string;
  readonly url: string;
  readonly received: number;
  readonly total: number;
}

/** A data set supple knows: its files, where they come from, and how to read them. */
export interface DatasetSpec {
  readonly name: string;
  /** Folder name under --data-dir and under the cache. */
  readonly folder: string;
  readonly description: string;
  /** Number of classes (known before reading the files). */
  readonly classes: number;
  readonly license: string;
  readonly homepage: string;
  /** Where the checksums below were published. */
  readonly checksumSource: string;
  readonly files: readonly DatasetFile[];
  /** Files a folder may hold instead (an archive's contents, unpacked); read without checksum (none is published). */
  readonly extracted?: readonly string[];
  /** Shipped inside the package (path from the package root); no download needed. */
  readonly embedded?: string;
  /** A user's own data set (registered from a path): read directly by `load`, never located or downloaded. */
  readonly path?: string;
  /** Extra advice when the files are missing (e.g. a login needed to download). */
  readonly howToGet?: string;
  /**
   * Reads the located files into an ImageSet, keeping only the classes and images `opts` asks for; rejects if a file
   * is malformed.
   */
  load(found: FoundFiles, opts: LoadOptions): Promise<ImageSet>;
}
