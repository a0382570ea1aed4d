import { readFile } from 'node:fs/promises';
import { dirname, join } from 'node:path';
import type { DatasetFile, DatasetSpec, DownloadProgress, LoadOptions } from './DatasetSpec.js';
import type { ImageSet } from './ImageSet.js';
import { parseDigitsCsv } from './digitsCsv.js';
import { fetchDatasetFiles, type FetchOptions } from './fetchDataset.js';
import { IDX_FILES, loadIdxImages } from './loadIdxImages.js';
import { CIFAR10_BINS, loadCifar } from './loadCifar.js';
import { loadSvhn } from './loadSvhn.js';
import { IMAGENET32_TRAIN_BATCHES, loadImagenet32 } from './loadImagenet32.js';
import { loadTinyImagenet } from './loadTinyImagenet.js';
import { locateDataset } from './locateDataset.js';
import { packageRoot } from './packageRoot.js';

const MNIST_MIRRORS = ['https://ossci-datasets.s3.amazonaws.com/mnist/', 'https://storage.googleapis.com/cvdf-datasets/mnist/', 'http://yann.lecun.com/exdb/mnist/'];
const FASHION_MIRRORS = ['http://fashion-mnist.s3-website.eu-central-1.amazonaws.com/'];
const file = (name: string, mirrors: readonly string[], size: number, sha256: string, md5?: string): DatasetFile => ({
  name, urls: mirrors.map((m) => m + name), size, sha256, ...(md5 ? { md5 } : {}),
});

/** Number of images of the digits set used for training; the last 360 are the test split (sklearn's 80/20). */
const DIGITS_TRAIN = 1437;

const specs: DatasetSpec[] = [
  {
    name: 'mnist',
    classes: 10,
    folder: 'mnist',
    description: 'MNIST handwritten digits, 28x28 grey, 60000 train + 10000 test (LeCun et al. 1998)',
    license: 'CC BY-SA 3.0 (Yann LeCun and Corinna Cortes)',
    homepage: 'http://yann.lecun.com/exdb/mnist/',
    checksumSource: 'md5: LeCun\'s page and torchvision; sha256: TensorFlow Datasets url_checksums/mnist.txt',
    files: [
      file(IDX_FILES[0], MNIST_MIRRORS, 9912422, '440fcabf73cc546fa21475e81ea370265605f56be210a4024d2ca8f203523609', 'f68b3c2dcbeaaa9fbdd348bbdeb94873'),
      file(IDX_FILES[1], MNIST_MIRRORS, 28881, '3552534a0a558bbed6aed32b30c495cca23d567ec52cac8be1a0730e8010255c', 'd53e105ee54ea40749a09fcbcd1e9432'),
      file(IDX_FILES[2], MNIST_MIRRORS, 1648877, '8d422c7b0a1c1c79245a5bcf07fe86e33eeafee792b84584aec276f5a2dbc4e6', '9fb629c4189551a2d022fa330f9573f3'),
      file(IDX_FILES[3], MNIST_MIRRORS, 4542, 'f7ae60f92e00ec6debd23a6088c31dbd2371eca3ffa0defaefb259924204aec6', 'ec29112dd5afa0611ce80d1b7f02629c'),
    ],
    extracted: IDX_FILES.map((n) => n.replace(/\.gz$/, '')),
    load: (found) => loadIdxImages('mnist', found, 10),
  },
  {
    name: 'fashion-mnist',
    classes: 10,
    folder: 'fashion-mnist',
    description: 'Fashion-MNIST, 28x28 grey clothing images, 10 classes, 60000 train + 10000 test (Xiao et al. 2017)',
    license: 'MIT (Zalando SE)',
    homepage: 'https://github.com/zalandoresearch/fashion-mnist',
    checksumSource: 'md5: zalandoresearch/fashion-mnist README; sha256: TensorFlow Datasets url_checksums/fashion_mnist.txt',
    files: [
      file(IDX_FILES[0], FASHION_MIRRORS, 26421880, '3aede38d61863908ad78613f6a32ed271626dd12800ba2636569512369268a84', '8d4fb7e6c68d591d4c3dfef9ec88bf0d'),
      file(IDX_FILES[1], FASHION_MIRRORS, 29515, 'a04f17134ac03560a47e3764e11b92fc97de4d1bfaf8ba1a3aa29af54cc90845', '25c81989df183df01b3e8a0aad5dffbe'),
      file(IDX_FILES[2], FASHION_MIRRORS, 4422102, '346e55b948d973a97e58d2351dde16a484bd415d4595297633bb08f03db6a073', 'bef4ecab320f06d8554ea6380940ec79'),
      file(IDX_FILES[3], FASHION_MIRRORS, 5148, '67da17c76eaffca5446c3361aaab5c3cd6d1c2608764d35dfb1850b086bf8dd5', 'bb300cfdad3c16e7a12a480ee83cd310'),
    ],
    extracted: IDX_FILES.map((n) => n.replace(/\.gz$/, '')),
    load: (found) => loadIdxImages('fashion-mnist', found, 10),
  },
  {
    name: 'digits',
    classes: 10,
    folder: 'sklearn-digits',
    description: `scikit-learn's 8x8 digits (UCI optdigits), 1797 images, 10 classes; shipped with supple (train: first ${DIGITS_TRAIN}, test: last 360)`,
    license: 'scikit-learn BSD-3-Clause; data: UCI, CC BY 4.0 (Alpaydin and Kaynak 1998)',
    homepage: 'https://archive.ics.uci.edu/dataset/80/optical+recognition+of+handwritten+digits',
    checksumSource: 'sha256 of the file in scikit-learn 1.2.1 (Debian python3-sklearn 1.2.1+dfsg-1)',
    files: [file('digits.csv.gz', ['https://raw.githubusercontent.com/scikit-learn/scikit-learn/1.2.1/sklearn/datasets/data/'], 57512, '46abec6b12486ad9e51943373abcf22bbea1b5a51a1619b361570d8893f1464a')],
    embedded: 'data/sklearn-digits/digits.csv.gz',
    load: async (found) => {
      const all = parseDigitsCsv(await readFile(found.path('digits.csv.gz')), 'digits/digits.csv.gz');
      const cut = Math.min(DIGITS_TRAIN, all.count);
      return {
        name: 'digits',
        shape: [1, 8, 8],
        classes: 10,
        maxValue: 16,
        train: { images: all.images.subarray(0, cut * 64), labels: all.labels.subarray(0, cut), count: cut },
        test: { images: all.images.subarray(cut * 64), labels: all.labels.subarray(cut), count: all.count - cut },
        provenance: { dataset: 'digits', dir: found.dir, files: found.files, split: `train 0..${cut - 1}, test ${cut}..${all.count - 1}` },
      };
    },
  },
  {
    name: 'cifar10',
    classes: 10,
    folder: 'cifar10',
    description: 'CIFAR-10, 32x32 colour, 10 classes, 50000 train + 10000 test, binary version (Krizhevsky 2009)',
    license: 'no explicit license; cite Krizhevsky, "Learning Multiple Layers of Features from Tiny Images", 2009',
    homepage: 'https://www.cs.toronto.edu/~kriz/cifar.html',
    checksumSource: 'md5: the CIFAR page; sha256: TensorFlow Datasets url_checksums/cifar10.txt',
    files: [file('cifar-10-binary.tar.gz', ['https://www.cs.toronto.edu/~kriz/'], 170052171, 'c4a38c50a1bc5f3a1c5537f2155ab9d68f9f25eb1ed8d9ddda3db29a59bca1dd', 'c32a1d4ab5d03f1284b67883e8d87530')],
    extracted: [...CIFAR10_BINS, 'test_batch.bin'].map((n) => `cifar-10-batches-bin/${n}`),
    load: (found) => loadCifar(10, found),
  },
  {
    name: 'cifar100',
    classes: 100,
    folder: 'cifar100',
    description: 'CIFAR-100, 32x32 colour, 100 fine classes, 50000 train + 10000 test, binary version (Krizhevsky 2009)',
    license: 'no explicit license; cite Krizhevsky, "Learning Multiple Layers of Features from Tiny Images", 2009',
    homepage: 'https://www.cs.toronto.edu/~kriz/cifar.html',
    checksumSource: 'md5: the CIFAR page; sha256: TensorFlow Datasets url_checksums/cifar100.txt',
    files: [file('cifar-100-binary.tar.gz', ['https://www.cs.toronto.edu/~kriz/'], 168513733, '58a81ae192c23a4be8b1804d68e518ed807d710a4eb253b1f2a199162a40d8ec', '03b5dce01913d631647c71ecec9e9cb8')],
    extracted: ['cifar-100-binary/train.bin', 'cifar-100-binary/test.bin'],
    load: (found) => loadCifar(100, found),
  },
  {
    name: 'svhn',
    classes: 10,
    folder: 'svhn',
    description: 'SVHN cropped digits, 32x32 colour, 10 classes, 73257 train + 26032 test, .mat files (Netzer et al. 2011)',
    license: 'non-commercial use (Stanford UFLDL); cite Netzer et al. 2011',
    homepage: 'http://ufldl.stanford.edu/housenumbers/',
    checksumSource: 'md5: torchvision datasets/svhn.py; sha256: TensorFlow Datasets url_checksums/svhn_cropped.txt',
    files: [
      file('train_32x32.mat', ['http://ufldl.stanford.edu/housenumbers/'], 182040794, '435e94d69a87fde4fd4d7f3dd208dfc32cb6ae8af2240d066de1df7508d083b8', 'e26dedcc434d2e4c54c9b2d4a06d8373'),
      file('test_32x32.mat', ['http://ufldl.stanford.edu/housenumbers/'], 64275384, 'cdce80dfb2a2c4c6160906d0bd7c68ec5a99d7ca4831afa54f09182025b6a75b', 'eb5a983be6a315427106f1b164d9cef3'),
    ],
    load: (found) => loadSvhn(found),
  },
  {
    name: 'imagenet32',
    classes: 1000,
    folder: 'imagenet32',
    description: 'Downsampled ImageNet 32x32, 1000 classes, 1281167 train + 50000 val, official npz batches (Chrabaszcz et al. 2017)',
    license: 'ImageNet terms of access (non-commercial research); requires an image-net.org account',
    homepage: 'https://image-net.org/download-images.php',
    checksumSource: 'sha256: TensorFlow Datasets url_checksums/imagenet_resized.txt',
    files: [
      file('Imagenet32_train_npz.zip', ['https://image-net.org/data/downsample/', 'http://www.image-net.org/image/downsample/'], 3580435279, '94226337ecc1b0309d9fcd0167127aaadc931587035fbcb53925235edbaec4fc'),
      file('Imagenet32_val_npz.zip', ['https://image-net.org/data/downsample/', 'http://www.image-net.org/image/downsample/'], 139697668, '013990e6dec1237dcd1f9beadbab81ead6604cc119af5cacbfb59ae28148377a'),
    ],
    extracted: [...IMAGENET32_TRAIN_BATCHES, 'val_data.npz'],
    howToGet: 'ImageNet downloads need an account: log in at https://image-net.org, download "Train(32x32)" and "Val(32x32)" (npz format) from the downsampled-images section, and put the two zips (or the unpacked .npz files) in the folder above.',
    load: (found, opts) => loadImagenet32(found, opts),
  },
  {
    name: 'tiny-imagenet',
    classes: 200,
    folder: 'tiny-imagenet',
    description: 'Tiny-ImageNet-200, 64x64 colour, 200 classes, 100000 train + 10000 val (CS231n), zip of JPEG folders',
    license: 'ImageNet terms of access (non-commercial research)',
    homepage: 'http://cs231n.stanford.edu/',
    checksumSource: 'sha256: TensorFlow Datasets url_checksums/tiny_imagenet.txt',
    files: [file('tiny-imagenet-200.zip', ['http://cs231n.stanford.edu/'], 248100043, '6198c8ae015e2b3e007c7841da39ec069199b9aa3bfa943a462022fe5e43c821')],
    extracted: ['tiny-imagenet-200/wnids.txt', 'tiny-imagenet-200/val/val_annotations.txt'],
    load: (found, opts) => loadTinyImagenet(found, opts),
  },
];

const registry = new Map<string, DatasetSpec>();
/** Add a data set. Names are unique. */
export function registerDataset(spec: DatasetSpec): void {
  if (registry.has(spec.name)) throw new Error(`data set '${spec.name}' is already registered`);
  registry.set(spec.name, spec);
}
for (const s of specs) registerDataset(s);

/** Names of the data sets supple can read. */
export function datasetNames(): string[] {
  return [...registry.keys()];
}

/** The registered data set with this name; throws, listing the known names, if there is none. */
export function getDataset(name: string): DatasetSpec {
  const s = registry.get(name);
  if (!s) throw new Error(`dataset = ${JSON.stringify(name)} is not allowed: allowed: ${datasetNames().map((n) => JSON.stringify(n)).join(', ')}`);
  return s;
}

/** The names the image streams accept for their `dataset` option (a zod enum needs a literal tuple). */
export const imageDatasetNames = ['mnist', 'fashion-mnist', 'digits', 'cifar10', 'cifar100', 'svhn', 'imagenet32', 'tiny-imagenet'] as const;
export type ImageDatasetName = (typeof imageDatasetNames)[number];

/** What an image stream's `dataset` accepts now: the built-in image sets and the user's registered ones. */
export function imageDatasetChoices(): string[] {
  return [...imageDatasetNames, ...[...registry.values()].filter((s) => s.path !== undefined).map((s) => s.name)];
}

/** Find (local folder, cache, package, download) and read a data set. */
export async function loadImageSet(name: string, opts: LoadOptions): Promise<ImageSet> {
  const spec = getDataset(name);
  if (spec.path !== undefined) return spec.load({ dir: spec.path, kind: 'files', path: (n) => join(spec.path!, n), files: [] }, opts);
  const found = await locateDataset(spec, opts.source, opts.onProgress);
  return spec.load(found, opts);
}

/**
 * `supple data fetch <name>`: download a data set's files into the cache (with progress), check their
 * published checksums, and return the folder. Files already valid in --data-dir or the cache are kept.
 */
export async function fetchDataset(name: string, opts: FetchOptions): Promise<string> {
  const spec = getDataset(name);
  // Shipped with the package: nothing to download.
  if (spec.embedded) return dirname(join(packageRoot(), spec.embedded));
  return fetchDatasetFiles(spec, opts);
}

export type { DownloadProgress };
