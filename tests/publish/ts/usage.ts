// What a TypeScript team writes against the published spec: types from openapi-typescript
// (generated/tokenmarket.ts, written by tests/publish/test_typescript.py from dist/openapi.yaml)
// and calls through openapi-fetch. It must compile under `tsc --noEmit` with strict settings.
import createClient from "openapi-fetch";

import type { components, paths } from "./generated/tokenmarket";

type Schemas = components["schemas"];
type ChatCompletion = Schemas["ChatCompletion"];
type ChatCompletionChunk = Schemas["ChatCompletionChunk"];
type StreamEvent = Schemas["ChatCompletionStreamEvent"];
type ErrorEnvelope = Schemas["ErrorEnvelope"];

const client = createClient<paths>({
  baseUrl: "https://cloud.hopegate.ai/api",
  headers: { Authorization: "Bearer YOUR_TOKENMARKET_API_KEY" },
});

function failure(error: ErrorEnvelope): Error {
  const { type, code, message, param } = error.error;
  return new Error(`${type}/${code}: ${message}${param ? ` (${param})` : ""}`);
}

// Plain chat: one JSON answer. The 200 response has two media types (JSON, or server-sent
// events when `stream` is true), so the data is their union until the client narrows it.
export async function chat(question: string): Promise<string> {
  const { data, error } = await client.POST("/v1/chat/completions", {
    body: {
      model: "DeepSeek-V4-pro",
      provider: "dataeyes",
      messages: [
        { role: "system", content: "Answer in one word." },
        { role: "user", content: [{ type: "text", text: question }] },
      ],
      temperature: 0.2,
      max_completion_tokens: 64,
      tool_choice: "auto",
      response_format: { type: "json_object" },
      stream: false,
    },
    headers: { "Idempotency-Key": "chat-1" },
  });
  if (error) throw failure(error);
  if (!("choices" in data)) throw new Error("asked for JSON, got an event");
  const completion: ChatCompletion = data;
  const first = completion.choices[0];
  const finish: string | null = first?.finish_reason ?? null;
  const tokens: number | undefined = completion.usage?.total_tokens;
  void finish;
  void tokens;
  return first?.message.content ?? "";
}

// Streaming chat: the body is server-sent events. Each event's `data` is the JSON of a chunk,
// the JSON of an error envelope (a failure after the stream started), or `[DONE]`.
export function parseEvent(event: StreamEvent): ChatCompletionChunk | "done" {
  if (event.data === "[DONE]") return "done";
  const parsed = JSON.parse(event.data) as ChatCompletionChunk | ErrorEnvelope;
  if ("error" in parsed) throw failure(parsed);
  return parsed;
}

export async function* chatStream(question: string): AsyncGenerator<string> {
  const { response, error } = await client.POST("/v1/chat/completions", {
    body: {
      model: "DeepSeek-V4-pro",
      messages: [{ role: "user", content: question }],
      stream: true,
      stream_options: { include_usage: true },
    },
    parseAs: "stream",
  });
  if (error) throw failure(error);
  if (!response.body) return;
  const decoder = new TextDecoder();
  let buffered = "";
  for await (const bytes of response.body) {
    buffered += decoder.decode(bytes, { stream: true });
    let end: number;
    while ((end = buffered.indexOf("\n\n")) >= 0) {
      const lines = buffered.slice(0, end).split("\n");
      buffered = buffered.slice(end + 2);
      const data = lines
        .filter((line) => line.startsWith("data:"))
        .map((line) => line.slice(5).trimStart())
        .join("\n");
      if (!data) continue; // a `: keep-alive` comment
      const chunk = parseEvent({ data });
      if (chunk === "done") return;
      for (const choice of chunk.choices) {
        const piece: string | null | undefined = choice.delta.content;
        if (piece) yield piece;
      }
    }
  }
}

// Speech: binary audio. The body is typed first: openapi-fetch infers its options as one
// generic, and an inline literal with an enum member (response_format) would widen `parseAs`.
export async function speech(text: string): Promise<Blob> {
  const body: Schemas["CreateSpeechRequest"] = {
    model: "gpt-4o-mini-tts",
    input: text,
    voice: "alloy",
    response_format: "wav",
    speed: 1.25,
  };
  const { data, error, response } = await client.POST("/v1/audio/speech", {
    body,
    parseAs: "blob",
  });
  if (error) throw failure(error);
  const requestId: string | null = response.headers.get("x-request-id");
  void requestId;
  return data;
}

// Rerank: documents as strings or objects, results sorted by relevance.
export async function rerank(query: string, documents: string[]): Promise<number[]> {
  const { data, error } = await client.POST("/v1/rerank", {
    body: {
      model: "gpt-rerank",
      query,
      documents: [...documents, { text: "TypeScript handbook" }],
      top_n: 2,
      return_documents: true,
    },
  });
  if (error) throw failure(error);
  return data.results.map((result) => {
    const text: string | undefined = result.document?.text;
    void text;
    return result.index;
  });
}
