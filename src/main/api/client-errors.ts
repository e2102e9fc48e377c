import { STATUS_CODES } from 'node:http';
import type { Socket } from 'node:net';
import { ERROR_STATUS, type ErrorCode } from '../../shared/errors';

/** What Node's HTTP parser refused, said for a person; the parser's own code stays out of the answer. */
function explain(code: string | undefined): { code: ErrorCode; message: string } {
  switch (code) {
    case 'HPE_HEADER_OVERFLOW':
      return {
        code: 'HEADERS_TOO_LARGE',
        message:
          'the request line and headers are larger than Airlock accepts (16 KB): shorten the address or the headers',
      };
    case 'ERR_HTTP_REQUEST_TIMEOUT':
      return { code: 'REQUEST_TIMEOUT', message: 'the request did not arrive in time' };
    case 'HPE_INVALID_HEADER_TOKEN':
    case 'HPE_INVALID_CONSTANT':
    case 'HPE_LF_EXPECTED':
    case 'HPE_CR_EXPECTED':
      return {
        code: 'VALIDATION_FAILED',
        message: 'the request is not valid HTTP: a header is malformed',
      };
    case 'HPE_INVALID_CHUNK_SIZE':
    case 'HPE_INVALID_TRANSFER_ENCODING':
    case 'HPE_UNEXPECTED_CONTENT_LENGTH':
    case 'HPE_INVALID_CONTENT_LENGTH':
      return {
        code: 'VALIDATION_FAILED',
        message:
          'the request is not valid HTTP: its body framing (Content-Length / Transfer-Encoding) is malformed',
      };
    case 'HPE_INVALID_METHOD':
      return {
        code: 'VALIDATION_FAILED',
        message: 'the request is not valid HTTP: unknown method',
      };
    case 'HPE_INVALID_URL':
      return {
        code: 'VALIDATION_FAILED',
        message: 'the request is not valid HTTP: the address is malformed',
      };
    default:
      return { code: 'VALIDATION_FAILED', message: 'the request is not valid HTTP' };
  }
}

/**
 * Fastify's `clientErrorHandler`: a request Node's HTTP parser refuses (malformed headers or
 * framing, headers over the size limit, a request too slow to arrive) never reaches a route,
 * yet it is answered in the one error shape, like every other refusal. The connection closes:
 * after broken framing nothing on it can be trusted.
 */
export function answerClientError(err: NodeJS.ErrnoException, socket: Socket): void {
  // A reset or closed connection has no one to answer.
  if (err.code === 'ECONNRESET' || socket.destroyed) return;
  // As Node itself does: no answer while one is already on the wire. The unread rest of a
  // refused request's body reaches the parser after the refusal and fails there; answering
  // it would put a second answer on a connection that was told it is closing.
  const current = (socket as Socket & { _httpMessage?: { headersSent?: boolean } | null })
    ._httpMessage;
  if (socket.writable && !current?.headersSent) {
    const { code, message } = explain(err.code);
    const status = ERROR_STATUS[code];
    const body = JSON.stringify({ error: { code, message } });
    socket.write(
      `HTTP/1.1 ${status} ${STATUS_CODES[status] ?? 'Error'}\r\n` +
        'Content-Type: application/json; charset=utf-8\r\n' +
        `Content-Length: ${Buffer.byteLength(body)}\r\n` +
        'Cache-Control: no-store\r\nX-Content-Type-Options: nosniff\r\nConnection: close\r\n\r\n' +
        body,
    );
  }
  socket.destroy();
}
