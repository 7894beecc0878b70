// Plain HTTP answers of the chat server (uWS HttpResponse): JSON and problem+json bodies, written corked.
import type { HttpResponse } from 'uWebSockets.js';
import type { AppError } from '../errors.js';
import { httpFailureOf, problemOf } from '../http/errors.js';

const statusLines: Record<number, string> = {
  200: '200 OK',
  401: '401 Unauthorized',
  403: '403 Forbidden',
  404: '404 Not Found',
  500: '500 Internal Server Error',
  503: '503 Service Unavailable',
};

export function sendJson(res: HttpResponse, status: number, contentType: string, body: string, closeConnection = false, headers: Record<string, string> = {}): void {
  res.cork(() => {
    res
      .writeStatus(statusLines[status] ?? String(status))
      .writeHeader('Content-Type', contentType)
      .writeHeader('Cache-Control', 'no-store');
    for (const [name, value] of Object.entries(headers)) res.writeHeader(name, value);
    res.end(body, closeConnection);
  });
}

/** A problem+json answer, mapped as the API maps it (status by kind, WWW-Authenticate on a 401). */
export function sendProblem(res: HttpResponse, err: AppError, closeConnection = false): void {
  const failure = httpFailureOf(err);
  sendJson(res, failure.status, 'application/problem+json', JSON.stringify(problemOf(failure)), closeConnection, failure.headers);
}
