/** Measures DNS, TCP connect and TLS per connection, and hands them to the first request that uses it. */
import diagnosticsChannel from 'node:diagnostics_channel';
import type { Socket } from 'node:net';
import { performance } from 'node:perf_hooks';
import type { buildConnector } from 'undici';

/** Connection-setup phases, in milliseconds; all 0 for a reused keep-alive connection. */
export interface ConnectionTimings {
  dnsMs: number;
  connectMs: number;
  tlsMs: number;
}

const REUSED: ConnectionTimings = Object.freeze({ dnsMs: 0, connectMs: 0, tlsMs: 0 });

// Keyed by socket and deleted when claimed: only the request that opened a connection paid for its setup.
const setupBySocket = new WeakMap<object, ConnectionTimings>();

type SocketClaim = (socket: object) => void;
let pendingClaim: SocketClaim | undefined;
let subscribed = false;

/**
 * Wraps undici's connector to time each phase from the socket's own events: 'lookup' ends DNS (absent when the
 * host is an IP), 'connect' ends TCP, 'secureConnect' (the callback for https) ends TLS.
 */
export function timedConnector(base: buildConnector.connector): buildConnector.connector {
  return (options, callback) => {
    const startedAt = performance.now();
    let lookedUpAt: number | undefined;
    let connectedAt: number | undefined;
    const isTls = options.protocol === 'https:';
    // At runtime undici's connector returns the socket (its .d.ts says void): we only need it to listen to events.
    const connect = base as unknown as (
      ...args: Parameters<buildConnector.connector>
    ) => Socket | undefined;
    const socket = connect(options, (error, connected) => {
      if (error === null) {
        const endedAt = performance.now();
        const dnsEnd = lookedUpAt ?? startedAt;
        const tcpEnd = isTls ? (connectedAt ?? endedAt) : endedAt;
        setupBySocket.set(connected, {
          dnsMs: dnsEnd - startedAt,
          connectMs: tcpEnd - dnsEnd,
          tlsMs: endedAt - tcpEnd,
        });
      }
      callback(...([error, connected] as Parameters<buildConnector.Callback>));
    });
    socket?.once('lookup', () => {
      lookedUpAt = performance.now();
    });
    socket?.once('connect', () => {
      connectedAt = performance.now();
    });
  };
}

/**
 * Called from a request handler's `onRequestStart`: undici then publishes `undici:client:sendHeaders` with the
 * socket synchronously, in the same call stack, so the next publication belongs to this request.
 * The microtask drops the claim if undici bailed out before publishing (an aborted request).
 */
export function claimNextSocket(onSocket: (timings: ConnectionTimings) => void): void {
  subscribeOnce();
  const claim: SocketClaim = (socket) => {
    const setup = setupBySocket.get(socket);
    if (setup !== undefined) setupBySocket.delete(socket);
    onSocket(setup ?? REUSED);
  };
  pendingClaim = claim;
  queueMicrotask(() => {
    if (pendingClaim === claim) pendingClaim = undefined;
  });
}

function subscribeOnce(): void {
  if (subscribed) return;
  subscribed = true;
  diagnosticsChannel.subscribe('undici:client:sendHeaders', (message) => {
    const claim = pendingClaim;
    if (claim === undefined) return;
    pendingClaim = undefined;
    const socket = (message as { socket?: object }).socket;
    if (socket !== undefined) claim(socket);
  });
}

export { REUSED as reusedConnectionTimings };
