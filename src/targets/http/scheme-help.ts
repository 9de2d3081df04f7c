/** The API schemes' settings for `identify --help`: kept apart from the protocols so that help loads nothing else. */
export const API_SCHEME_HELP = `
API targets (<scheme>:<baseURL>?setting=value; the base URL may end in the API's version, e.g. /v1, or not):
  openai:<baseURL>             Chat Completions; a server named alone gets /v1
  openai:<model>, openai:chat:<model>  the same at $OPENAI_BASE_URL or api.openai.com, the model named in the id;
                               likewise anthropic:[messages:]<model> ($ANTHROPIC_BASE_URL), gemini:<model> ($GEMINI_BASE_URL)
  openai-completions:<baseURL> legacy Completions with echo
  anthropic:[baseURL]          prompts counted by billed usage of one-token Messages requests;
    ?count=count_tokens        the free count endpoint instead, which Anthropic documents as an estimate
  gemini:[baseURL]             prompts counted by countTokens, or ?count=generateContent;
    ?api_version=v1beta|v1     the version, also taken from a base URL ending in it
  vllm:, sglang:, llamacpp:, tgi:<baseURL>  the server's tokenize endpoint (exact, free)
  ollama:[baseURL]             /api/chat, or ?api=generate
  tokenize:<baseURL>           whichever tokenize endpoint the server has
  http:<spec.yaml>             a gateway described by a spec file
Answers (--stream, --logprobs, answer channels) always come from the API's generation endpoint.`;
