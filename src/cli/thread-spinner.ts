import { writeSync } from 'node:fs';
import { MessageChannel, Worker } from 'node:worker_threads';
import { CLEAR_LINE, type LineSpinner, PROGRESS_PREFIX, SPIN_MS, SPINNER } from '../report/progress-line.js';

const RUNNING = 0;
const STOP = 1;
const STOPPED = 2;
/** How long `stop` waits for the drawing thread to erase its line before erasing it itself. */
const STOP_WAIT_MS = 2000;

/*
 * The drawing thread, kept as source so it runs the same from the build and from the sources under test. It
 * sleeps on the shared state word (woken early by a new text or by stop), takes the newest text from its port
 * without an event loop, and writes each frame straight to the file descriptor: a worker's process.stderr would
 * go through the main thread, which is exactly the thread that may be busy.
 */
const DRAWING_THREAD = `
const { workerData, receiveMessageOnPort } = require('node:worker_threads');
const { writeSync } = require('node:fs');
const { fd, port, state, frames, prefix, clear, intervalMs } = workerData;
let text;
let frame = 0;
const write = (line) => { try { writeSync(fd, line); } catch {} };
for (;;) {
  let changed = false;
  for (let m = receiveMessageOnPort(port); m; m = receiveMessageOnPort(port)) { text = m.message; changed = true; }
  if (Atomics.load(state, 0) !== ${RUNNING}) {
    if (text !== undefined) write(clear);
    Atomics.store(state, 0, ${STOPPED});
    Atomics.notify(state, 0);
    break;
  }
  if (!changed) frame++;
  if (text !== undefined) write(clear + prefix + frames[frame % frames.length] + ' ' + text);
  Atomics.wait(state, 0, ${RUNNING}, intervalMs);
}
`;

/**
 * A spinner drawn by its own thread on the file descriptor behind stderr, so it keeps moving while this thread
 * is blocked (a tokenizer file parsed synchronously), not only while it awaits an answer. `stop` returns once
 * the line is erased, so nothing drawn later lands after what the command prints next.
 */
export function threadSpinner(fd: number): LineSpinner {
  const state = new Int32Array(new SharedArrayBuffer(4));
  const { port1, port2 } = new MessageChannel();
  let worker: Worker | undefined;
  let shown = false;
  const start = () => {
    worker = new Worker(DRAWING_THREAD, {
      eval: true,
      workerData: {
        fd,
        port: port2,
        state,
        frames: SPINNER,
        prefix: PROGRESS_PREFIX,
        clear: CLEAR_LINE,
        intervalMs: SPIN_MS,
      },
      transferList: [port2],
    });
    // a thread that cannot start leaves the run without a progress line, never without its verdict
    worker.on('error', () => {});
    worker.unref();
    port1.unref();
  };
  return {
    show(text) {
      if (!worker) start();
      shown = true;
      port1.postMessage(text);
      Atomics.notify(state, 0);
    },
    stop() {
      if (!worker || Atomics.load(state, 0) === STOPPED) return;
      Atomics.store(state, 0, STOP);
      Atomics.notify(state, 0);
      if (Atomics.wait(state, 0, STOP, STOP_WAIT_MS) === 'timed-out') {
        void worker.terminate();
        if (shown) writeSync(fd, CLEAR_LINE);
      }
      port1.close();
    },
  };
}
