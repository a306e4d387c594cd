// Calls the published spec forbids. tests/publish/test_typescript.py compiles this file and
// expects a compile error on exactly the lines marked WRONG: the generated types must catch
// each mistake, and nothing else in the file may fail.
import createClient from "openapi-fetch";

import type { components, paths } from "./generated/tokenmarket";

const client = createClient<paths>({ baseUrl: "https://cloud.hopegate.ai/api" });

export async function rerankWithoutQuery(): Promise<void> {
  await client.POST("/v1/rerank", {
    body: { model: "gpt-rerank", documents: ["a", "b"] }, // WRONG: `query` is required
  });
}

export async function chatWithUnknownRole(): Promise<void> {
  await client.POST("/v1/chat/completions", {
    body: {
      model: "DeepSeek-V4-pro",
      messages: [{ role: "robot", content: "Hi" }], // WRONG: no such role
    },
  });
}

export async function chatWithTextTemperature(): Promise<void> {
  await client.POST("/v1/chat/completions", {
    body: {
      model: "DeepSeek-V4-pro",
      messages: [{ role: "user", content: "Hi" }],
      temperature: "hot", // WRONG: a number
    },
  });
}

export const speechAsMp4: components["schemas"]["CreateSpeechRequest"] = {
  model: "gpt-4o-mini-tts",
  input: "Hello",
  voice: "alloy",
  response_format: "mp4", // WRONG: not an audio format of the spec
};

export async function rerankScoreAsString(): Promise<string[]> {
  const { data } = await client.POST("/v1/rerank", {
    body: { model: "gpt-rerank", query: "q", documents: ["a"] },
  });
  return data?.results.map((result) => result.relevance_score) ?? []; // WRONG: a number
}

export async function embeddingOnWrongPath(): Promise<void> {
  await client.POST("/v1/embedding", { body: { model: "m", input: "x" } }); // WRONG: no such path
}
