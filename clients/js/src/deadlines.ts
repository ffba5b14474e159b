/**
 * Default deadlines. A call that sets no `timeoutMs` of its own gets the client's default
 * when it answers once (unary and client-streaming calls); server and bidirectional streams
 * may legitimately run for as long as the caller listens, so they get none unless asked.
 * Done on the transport rather than in an interceptor because the transport turns the
 * timeout into the call's abort signal before any interceptor runs.
 */
import type { Transport } from "@connectrpc/connect";

export function withDefaultDeadline(transport: Transport, timeoutMs: number | undefined): Transport {
  if (timeoutMs === undefined) return transport;
  return {
    unary: (method, signal, timeout, header, input, contextValues) =>
      transport.unary(method, signal, timeout ?? timeoutMs, header, input, contextValues),
    stream: (method, signal, timeout, header, input, contextValues) => {
      const answersOnce = method.methodKind === "client_streaming";
      const deadline = timeout ?? (answersOnce ? timeoutMs : undefined);
      return transport.stream(method, signal, deadline, header, input, contextValues);
    },
  };
}
