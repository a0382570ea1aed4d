// A worker of ThreadPool: instantiates the kernels on the shared memory, then takes chunks of each job.
import { workerData } from 'node:worker_threads';
import { instantiateKernels } from './kernels.js';
import { CTRL, Job, type WorkerData } from './ThreadPool.js';

const { module, memory, ctrl: at, slot, scratch } = workerData as WorkerData;
const k = instantiateKernels(module, memory);
const buffer = memory.buffer as SharedArrayBuffer;
const ctrl = new Int32Array(buffer, at, CTRL.argsByte / 4);
const a = new Float64Array(buffer, at + CTRL.argsByte, CTRL.args);
const seqAt = slot * CTRL.slotInts + CTRL.seq;

const counter = at + CTRL.counter * 4;
const result = at + CTRL.result * 4;

function run(): void {
  const chunks = a[1]!;
  switch (a[0]) {
    case Job.gemm:
      k.gemmChunks(a[2]!, a[3]!, a[4]!, a[5]!, a[6]!, a[7]!, a[8]!, a[9]!, a[10]!, a[11]!, chunks, counter, scratch);
      break;
    case Job.im2col:
      k.im2colChunks(a[2]!, a[3]!, a[4]!, a[5]!, a[6]!, a[7]!, a[8]!, a[9]!, a[10]!, a[11]!, a[12]!, a[13]!, chunks, counter);
      break;
    case Job.col2im:
      k.col2imChunks(a[2]!, a[3]!, a[4]!, a[5]!, a[6]!, a[7]!, a[8]!, a[9]!, a[10]!, a[11]!, a[12]!, a[13]!, chunks, counter);
      break;
    case Job.attentionForward:
      k.attentionForwardChunks(a[2]!, a[3]!, a[4]!, a[5]!, a[6]!, a[7]!, a[8]!, a[9]!, a[10]!, chunks, counter, scratch);
      break;
    case Job.attentionBackward:
      k.attentionBackwardChunks(a[2]!, a[3]!, a[4]!, a[5]!, a[6]!, a[7]!, a[8]!, a[9]!, a[10]!, a[11]!, chunks, counter, scratch);
      break;
    case Job.maxPool:
      k.maxPoolChunks(a[2]!, a[3]!, a[4]!, a[5]!, a[6]!, a[7]!, a[8]!, a[9]!, a[10]!, a[11]!, a[12]!, chunks, counter);
      break;
    case Job.maxPoolBackward:
      k.maxPoolBackwardChunks(a[2]!, a[3]!, a[4]!, a[5]!, a[6]!, a[7]!, a[8]!, a[9]!, a[10]!, chunks, counter, result);
      break;
    case Job.maxPoolCnhw:
      k.maxPoolCnhwChunks(a[2]!, a[3]!, a[4]!, a[5]!, a[6]!, a[7]!, a[8]!, a[9]!, a[10]!, a[11]!, a[12]!, a[13]!, chunks, counter);
      break;
    case Job.maxPoolBackwardCnhw:
      k.maxPoolBackwardCnhwChunks(a[2]!, a[3]!, a[4]!, a[5]!, a[6]!, a[7]!, a[8]!, a[9]!, a[10]!, a[11]!, a[12]!, a[13]!, chunks, counter, result);
      break;
    case Job.batchNormTrain:
      k.batchNormTrainChunks(a[2]!, a[3]!, a[4]!, a[5]!, a[6]!, a[7]!, a[8]!, a[9]!, a[10]!, a[11]!, a[12]!, a[13]!, a[14]!, chunks, counter);
      break;
    case Job.batchNormBackward:
      k.batchNormBackwardChunks(a[2]!, a[3]!, a[4]!, a[5]!, a[6]!, a[7]!, a[8]!, a[9]!, a[10]!, a[11]!, a[12]!, chunks, counter);
      break;
    case Job.activation:
      k.activationChunks(a[2]!, a[3]!, a[4]!, a[5]!, a[6]!, chunks, counter);
      break;
    case Job.activationBackward:
      k.activationBackwardChunks(a[2]!, a[3]!, a[4]!, a[5]!, a[6]!, a[7]!, a[8]!, chunks, counter);
      break;
    case Job.transpose01:
      k.transpose01Chunks(a[2]!, a[3]!, a[4]!, a[5]!, a[6]!, chunks, counter);
      break;
    case Job.shrinkAddNormal:
      k.shrinkAddNormalChunks(a[2]!, a[3]!, a[4]!, a[5]!, a[6]!, a[7]!, a[8]!, a[9]!, counter, scratch);
      break;
    case Job.winograd:
      k.winogradChunks(a[2]!, a[3]!, a[4]!, a[5]!, a[6]!, a[7]!, a[8]!, a[9]!, a[10]!, chunks, counter, scratch);
      break;
    case Job.transpose01AddBias:
      k.transpose01AddBiasChunks(a[2]!, a[3]!, a[4]!, a[5]!, a[6]!, a[7]!, chunks, counter);
      break;
    case Job.transpose01SumChannels:
      k.transpose01SumChannelsChunks(a[2]!, a[3]!, a[4]!, a[5]!, a[6]!, a[7]!, a[8]!, a[9]!, chunks, counter);
      break;
    case Job.thin:
      k.thinHalves(a[2]!, a[3]!, a[4]!, a[5]!, a[6]!, a[7]!, counter);
      break;
    case Job.denseReluStep:
      // Its threads wait on each other between layers (the counter and the result word are its barrier).
      k.denseReluStepShared(a[2]!, a[3]!, a[4]!, a[5]!, a[6]!, a[7]!, a[8]!, a[9]!, a[10]!, a[11]!, a[12]!, a[13]!, a[14]!, 0, 0, a[15]!, slot, counter, at + CTRL.error * 4);
      break;
    default:
      throw new Error(`unknown job ${a[0]}`);
  }
}

let seen = Atomics.load(ctrl, seqAt);
Atomics.store(ctrl, slot * CTRL.slotInts + CTRL.ready, 1);
for (;;) {
  Atomics.wait(ctrl, seqAt, seen);
  const s = Atomics.load(ctrl, seqAt);
  if (s === seen) continue;
  seen = s;
  try {
    run();
  } catch {
    Atomics.store(ctrl, CTRL.error, 1);
  }
  if (Atomics.sub(ctrl, CTRL.pending, 1) === 1) Atomics.notify(ctrl, CTRL.pending);
}
