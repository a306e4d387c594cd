// Calls through the typescript-fetch client that openapi-generator writes from the published
// spec into generated/typescript-fetch/ (tests/publish/test_openapi_generator.py). It must
// compile together with that client under `tsc --noEmit --strict`.
import {
  AudioApi,
  ChatApi,
  Configuration,
  RerankApi,
  SpeechFormat,
  type ChatCompletion,
  type RerankResponse,
} from "./generated/typescript-fetch";

const configuration = new Configuration({
  basePath: "https://cloud.hopegate.ai/api",
  accessToken: "YOUR_TOKENMARKET_API_KEY",
});

export async function chat(question: string): Promise<string | null | undefined> {
  const completion: ChatCompletion = await new ChatApi(configuration).createChatCompletion({
    createChatCompletionRequest: {
      model: "DeepSeek-V4-pro",
      messages: [
        { role: "system", content: "Answer in one word." },
        { role: "user", content: question },
      ],
      toolChoice: "auto",
      stop: ["\n"],
      stream: false,
    },
    idempotencyKey: "chat-1",
  });
  return completion.choices[0]?.message.content;
}

export async function speech(text: string): Promise<Blob> {
  return new AudioApi(configuration).createSpeech({
    createSpeechRequest: {
      model: "gpt-4o-mini-tts",
      input: text,
      voice: "alloy",
      responseFormat: SpeechFormat.Wav,
    },
  });
}

export async function rerank(query: string): Promise<number[]> {
  const ranked: RerankResponse = await new RerankApi(configuration).createRerank({
    // Documents as plain strings or as objects: a union in the generated client, because the
    // spec says oneOf (with anyOf, typescript-fetch merged the branches into the object type).
    rerankRequest: { model: "gpt-rerank", query, documents: ["a", { text: "b" }], topN: 1 },
  });
  return ranked.results.map((result) => result.relevanceScore);
}
