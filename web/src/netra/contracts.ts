// The wire contract (v1), mirroring Netra.Contracts (C#) name for name. JSON is camelCase, so a
// C# record `ChatMessage(long Id, long ChatId, ...)` is `{ id, chatId, ... }` here.
// contracts.test.ts reads the C# sources and fails when this file and they disagree.

/** ISO 8601 text with an offset, as System.Text.Json writes DateTimeOffset. */
export type Timestamp = string;

/** JSON of any shape (C# JsonElement). */
export type Json = null | boolean | number | string | Json[] | { [key: string]: Json };

// ---------------------------------------------------------------- records (Netra.Contracts) --

export interface UserInfo {
  id: number;
  userName: string;
  displayName: string;
}

export interface LoginRequest {
  userName: string | null;
  password: string | null;
}

export interface LoginResponse {
  accessToken: string;
  expiresAt: Timestamp;
  user: UserInfo;
}

export interface RegisterRequest {
  userName: string | null;
  password: string | null;
  displayName: string | null;
}

/** `GET /api/auth/me`: whom the bearer token names, as the server accepts it now. */
export interface TokenInfo {
  /** Null for a service token that names no user. */
  userId: number | null;
  userName: string;
  /** Among `admin` and `service`; empty for a plain user. */
  roles: string[];
}

export interface ChatMessage {
  id: number;
  chatId: number;
  seq: number;
  senderId: number;
  senderName: string;
  content: string;
  attachment: string | null;
  clientMessageId: string;
  timestamp: Timestamp;
  /** Set once the author edited it. */
  editedAt: Timestamp | null;
  /** A deleted message is a tombstone: empty content, no attachment. */
  deleted: boolean;
}

export interface SendMessageRequest {
  chatId: number;
  content: string | null;
  attachment: string | null;
  clientMessageId: string | null;
}

export interface CreateChatRequest {
  title: string | null;
  memberIds: number[] | null;
  /** Members see each other's read markers. */
  readReceipts?: boolean;
}

export interface ChatSummary {
  id: number;
  title: string;
  memberIds: number[];
  lastSeq: number;
  createdAt: Timestamp;
  /** The caller's read position (MarkRead). */
  lastReadSeq: number;
  /** Others' messages after lastReadSeq, not deleted. */
  unreadCount: number;
  readReceipts: boolean;
  /** The user who created the chat: they may delete any message in it. */
  createdBy: number;
}

/** `EditMessage`: the author replaces a message's content. */
export interface EditMessageRequest {
  chatId: number;
  messageId: number;
  content: string;
}

/** `DeleteMessage`: the author, or the chat's creator, deletes a message. */
export interface DeleteMessageRequest {
  chatId: number;
  messageId: number;
}

/** A message was edited: a durable chat event with its own seq, carrying the message as it now is. */
export interface MessageUpdatedEvent {
  chatId: number;
  seq: number;
  message: ChatMessage;
}

/** A message was deleted: a durable chat event with its own seq. */
export interface MessageDeletedEvent {
  chatId: number;
  seq: number;
  messageId: number;
  deletedBy: number;
  deletedAt: Timestamp;
}

/** The user read a chat up to seq (on any of their connections). */
export interface ReadMarkerEvent {
  chatId: number;
  userId: number;
  seq: number;
}

export interface SubscribeResult {
  channel: string;
  lastSeq: number;
  recovered: boolean;
  missed: Json[];
}

export interface PingResult {
  serverTime: Timestamp;
}

export interface ConnectionEstablishedEvent {
  connectionId: string;
  userId: number;
  userName: string;
  protocolVersion: string;
  keepAliveIntervalMs: number;
  clientTimeoutMs: number;
  serverTime: Timestamp;
}

export interface ErrorEvent {
  code: string;
  error: string;
  recoverable: boolean;
  help: string | null;
  timestamp: Timestamp;
}

export interface TypingEvent {
  chatId: number;
  userId: number;
  userName: string;
  isTyping: boolean;
}

export interface PresenceChangedEvent {
  userId: number;
  displayName: string;
  isOnline: boolean;
  /** `online`, `away` (set with `SetPresence`) or `offline`. */
  status: 'online' | 'away' | 'offline';
  lastSeen: Timestamp | null;
  /**
   * Orders one user's presence (a positive integer below 2^53): each change gets a greater one
   * than every earlier change of that user, and every entry of one GET /api/presence answer the
   * server's presence clock when it read them. Announcements can arrive out of order (a reload's
   * disconnect and connect, two nodes), so keep the highest per user and drop what is not greater.
   */
  version: number;
}

export interface Post {
  id: number;
  seq: number;
  authorId: number;
  authorName: string;
  content: string;
  timestamp: Timestamp;
}

export interface Comment {
  id: number;
  seq: number;
  postId: number;
  authorId: number;
  authorName: string;
  content: string;
  timestamp: Timestamp;
}

export interface NotificationEvent {
  id: number;
  type: string;
  data: Json;
  isRead: boolean;
  timestamp: Timestamp;
}

export interface ConnectionRequestEvent {
  requestId: number;
  fromUserId: number;
  fromUserName: string;
  timestamp: Timestamp;
}

export interface ConnectionAcceptedEvent {
  requestId: number;
  userId: number;
  userName: string;
  timestamp: Timestamp;
}

export interface ChannelEventMessage {
  channel: string;
  seq: number;
  type: string;
  payload: Json;
  timestamp: Timestamp;
}

/** `POST /api/publish` (role `service`): pushed as `ChannelEvent` on an application channel. */
export interface PublishRequest {
  channel: string;
  type: string;
  payload: Json;
}

/** `POST /api/publish/batch` (role `service`): up to 100 events, stored all or none; answered with a result per event. */
export interface PublishBatchRequest {
  events: PublishRequest[];
}

/** What a publish stored: the channel and the seq the event took there. */
export interface PublishResult {
  channel: string;
  seq: number;
}

/** `POST /api/issues/{id}/events` (role `service`): pushed as `IssueUpdated` on `issues` and `issue:{id}`. */
export interface IssueEventRequest {
  updateType: string;
  data: Json;
}

/** `POST /api/alerts` (role `service`): pushed as `AlertTriggered` on `alerts`. */
export interface AlertRequest {
  alertId: string;
  severity: 'info' | 'warning' | 'critical';
  message: string;
  data: Json;
}

// ---------------------------------- feed, notifications, connections, members, uploads (HTTP bodies) --

/** `POST /api/posts`. */
export interface CreatePostRequest {
  content: string | null;
}

/** `POST /api/posts/{id}/comments`. */
export interface CreateCommentRequest {
  content: string | null;
}

/** `POST /api/connections/requests`. */
export interface CreateConnectionRequest {
  toUserId: number;
}

/** A connection request as the connections API returns it. */
export interface ConnectionRequestInfo {
  id: number;
  fromUserId: number;
  fromUserName: string;
  toUserId: number;
  toUserName: string;
  status: 'pending' | 'accepted';
  createdAt: Timestamp;
  acceptedAt: Timestamp | null;
}

/** `POST /api/chats/{id}/members` (the chat's creator only). */
export interface AddChatMemberRequest {
  userId: number;
}

/** Answer of `POST /api/uploads`: `path` is what a message's `attachment` carries. */
export interface UploadResult {
  path: string;
  contentType: string;
  size: number;
  fileName: string;
}

/** `POST /api/admin/service-tokens` (role `admin`); answered with a LoginResponse. */
export interface CreateServiceTokenRequest {
  name: string | null;
  days: number | null;
}

/** Values of NotificationEvent.type (NotificationTypes.cs). */
export const NotificationTypes = {
  CommentOnPost: 'comment_on_post',
  ConnectionRequest: 'connection_request',
  ConnectionAccepted: 'connection_accepted',
  AddedToChat: 'added_to_chat',
  RemovedFromChat: 'removed_from_chat',
} as const;
export type NotificationType = (typeof NotificationTypes)[keyof typeof NotificationTypes];

// ------------------------------------------------------------- agents (Netra.Contracts/Agents) --

export interface StartAgentRunRequest {
  chatId: number | null;
  prompt: string | null;
  agent: string | null;
}

/** One step of an agent run; `type` is one of AgentEventTypes, `step` counts the run's events from 1. */
export interface AgentEvent {
  runId: string;
  type: AgentEventType;
  step: number;
  timestamp: Timestamp;
  userId: number;
  chatId: number | null;
  agent: string;
  text: string | null;
  tool: string | null;
  code: string | null;
  message: ChatMessage | null;
}

/** Body of POST /api/agent-runs/{runId}/events (role `service`). */
export interface PushAgentEventRequest {
  userId: number;
  chatId: number | null;
  agent: string | null;
  type: string | null;
  step: number;
  text: string | null;
  tool: string | null;
  code: string | null;
}

export const AgentEventTypes = {
  AgentStarted: 'agent_started',
  AgentThinking: 'agent_thinking',
  ToolExecuting: 'tool_executing',
  PartialResult: 'partial_result',
  AgentCompleted: 'agent_completed',
  Error: 'error',
} as const;
export type AgentEventType = (typeof AgentEventTypes)[keyof typeof AgentEventTypes];

/** Every record above by its C# name; the contract test walks this. */
export interface Records {
  UserInfo: UserInfo;
  LoginRequest: LoginRequest;
  LoginResponse: LoginResponse;
  RegisterRequest: RegisterRequest;
  TokenInfo: TokenInfo;
  ChatMessage: ChatMessage;
  SendMessageRequest: SendMessageRequest;
  CreateChatRequest: CreateChatRequest;
  ChatSummary: ChatSummary;
  SubscribeResult: SubscribeResult;
  PingResult: PingResult;
  ConnectionEstablishedEvent: ConnectionEstablishedEvent;
  ErrorEvent: ErrorEvent;
  TypingEvent: TypingEvent;
  PresenceChangedEvent: PresenceChangedEvent;
  Post: Post;
  Comment: Comment;
  NotificationEvent: NotificationEvent;
  ConnectionRequestEvent: ConnectionRequestEvent;
  ConnectionAcceptedEvent: ConnectionAcceptedEvent;
  ChannelEventMessage: ChannelEventMessage;
  PublishRequest: PublishRequest;
  PublishBatchRequest: PublishBatchRequest;
  PublishResult: PublishResult;
  IssueEventRequest: IssueEventRequest;
  AlertRequest: AlertRequest;
  StartAgentRunRequest: StartAgentRunRequest;
  AgentEvent: AgentEvent;
  PushAgentEventRequest: PushAgentEventRequest;
  EditMessageRequest: EditMessageRequest;
  DeleteMessageRequest: DeleteMessageRequest;
  MessageUpdatedEvent: MessageUpdatedEvent;
  MessageDeletedEvent: MessageDeletedEvent;
  ReadMarkerEvent: ReadMarkerEvent;
  CreatePostRequest: CreatePostRequest;
  CreateCommentRequest: CreateCommentRequest;
  CreateConnectionRequest: CreateConnectionRequest;
  ConnectionRequestInfo: ConnectionRequestInfo;
  AddChatMemberRequest: AddChatMemberRequest;
  UploadResult: UploadResult;
  CreateServiceTokenRequest: CreateServiceTokenRequest;
}

/**
 * Property names of each record, in the C# declaration order. `Exactly` makes the compiler
 * reject a list that misses or adds a property of the interface; the contract test compares
 * the lists (names and order) with the C# records.
 */
type Exactly<T, L extends readonly (keyof T)[]> = Exclude<keyof T, L[number]> extends never ? L : never;
const fields = <T>() => <const L extends readonly (keyof T)[]>(list: Exactly<T, L>): L => list;

export const RecordFields = {
  UserInfo: fields<UserInfo>()(['id', 'userName', 'displayName']),
  LoginRequest: fields<LoginRequest>()(['userName', 'password']),
  LoginResponse: fields<LoginResponse>()(['accessToken', 'expiresAt', 'user']),
  RegisterRequest: fields<RegisterRequest>()(['userName', 'password', 'displayName']),
  TokenInfo: fields<TokenInfo>()(['userId', 'userName', 'roles']),
  ChatMessage: fields<ChatMessage>()([
    'id', 'chatId', 'seq', 'senderId', 'senderName', 'content', 'attachment', 'clientMessageId', 'timestamp', 'editedAt', 'deleted',
  ]),
  SendMessageRequest: fields<SendMessageRequest>()(['chatId', 'content', 'attachment', 'clientMessageId']),
  CreateChatRequest: fields<CreateChatRequest>()(['title', 'memberIds', 'readReceipts']),
  ChatSummary: fields<ChatSummary>()(['id', 'title', 'memberIds', 'lastSeq', 'createdAt', 'lastReadSeq', 'unreadCount', 'readReceipts', 'createdBy']),
  EditMessageRequest: fields<EditMessageRequest>()(['chatId', 'messageId', 'content']),
  DeleteMessageRequest: fields<DeleteMessageRequest>()(['chatId', 'messageId']),
  MessageUpdatedEvent: fields<MessageUpdatedEvent>()(['chatId', 'seq', 'message']),
  MessageDeletedEvent: fields<MessageDeletedEvent>()(['chatId', 'seq', 'messageId', 'deletedBy', 'deletedAt']),
  ReadMarkerEvent: fields<ReadMarkerEvent>()(['chatId', 'userId', 'seq']),
  SubscribeResult: fields<SubscribeResult>()(['channel', 'lastSeq', 'recovered', 'missed']),
  PingResult: fields<PingResult>()(['serverTime']),
  ConnectionEstablishedEvent: fields<ConnectionEstablishedEvent>()([
    'connectionId', 'userId', 'userName', 'protocolVersion', 'keepAliveIntervalMs', 'clientTimeoutMs', 'serverTime',
  ]),
  ErrorEvent: fields<ErrorEvent>()(['code', 'error', 'recoverable', 'help', 'timestamp']),
  TypingEvent: fields<TypingEvent>()(['chatId', 'userId', 'userName', 'isTyping']),
  PresenceChangedEvent: fields<PresenceChangedEvent>()(['userId', 'displayName', 'isOnline', 'status', 'lastSeen', 'version']),
  Post: fields<Post>()(['id', 'seq', 'authorId', 'authorName', 'content', 'timestamp']),
  Comment: fields<Comment>()(['id', 'seq', 'postId', 'authorId', 'authorName', 'content', 'timestamp']),
  NotificationEvent: fields<NotificationEvent>()(['id', 'type', 'data', 'isRead', 'timestamp']),
  ConnectionRequestEvent: fields<ConnectionRequestEvent>()(['requestId', 'fromUserId', 'fromUserName', 'timestamp']),
  ConnectionAcceptedEvent: fields<ConnectionAcceptedEvent>()(['requestId', 'userId', 'userName', 'timestamp']),
  ChannelEventMessage: fields<ChannelEventMessage>()(['channel', 'seq', 'type', 'payload', 'timestamp']),
  PublishRequest: fields<PublishRequest>()(['channel', 'type', 'payload']),
  PublishBatchRequest: fields<PublishBatchRequest>()(['events']),
  PublishResult: fields<PublishResult>()(['channel', 'seq']),
  IssueEventRequest: fields<IssueEventRequest>()(['updateType', 'data']),
  AlertRequest: fields<AlertRequest>()(['alertId', 'severity', 'message', 'data']),
  StartAgentRunRequest: fields<StartAgentRunRequest>()(['chatId', 'prompt', 'agent']),
  AgentEvent: fields<AgentEvent>()([
    'runId', 'type', 'step', 'timestamp', 'userId', 'chatId', 'agent', 'text', 'tool', 'code', 'message',
  ]),
  PushAgentEventRequest: fields<PushAgentEventRequest>()(['userId', 'chatId', 'agent', 'type', 'step', 'text', 'tool', 'code']),
  CreatePostRequest: fields<CreatePostRequest>()(['content']),
  CreateCommentRequest: fields<CreateCommentRequest>()(['content']),
  CreateConnectionRequest: fields<CreateConnectionRequest>()(['toUserId']),
  ConnectionRequestInfo: fields<ConnectionRequestInfo>()([
    'id', 'fromUserId', 'fromUserName', 'toUserId', 'toUserName', 'status', 'createdAt', 'acceptedAt',
  ]),
  AddChatMemberRequest: fields<AddChatMemberRequest>()(['userId']),
  UploadResult: fields<UploadResult>()(['path', 'contentType', 'size', 'fileName']),
  CreateServiceTokenRequest: fields<CreateServiceTokenRequest>()(['name', 'days']),
} satisfies { [K in keyof Records]: readonly (keyof Records[K])[] };

// ------------------------------------------------------------ hub methods (HubMethods.cs) --

export const HubMethods = {
  Subscribe: 'Subscribe',
  Unsubscribe: 'Unsubscribe',
  SendMessage: 'SendMessage',
  EditMessage: 'EditMessage',
  DeleteMessage: 'DeleteMessage',
  MarkRead: 'MarkRead',
  SetTyping: 'SetTyping',
  SetPresence: 'SetPresence',
  Ping: 'Ping',
  StartAgentRun: 'StartAgentRun',
} as const;
export type HubMethod = (typeof HubMethods)[keyof typeof HubMethods];

export const HubPath = {
  Hub: '/ws',
  Config: '/ws/config',
} as const;

// ------------------------------------------------------ server → client (INetraClient.cs) --

/** Each INetraClient method (the wire event name) and the payload it carries. */
export interface NetraEvents {
  ConnectionEstablished: ConnectionEstablishedEvent;
  NewMessage: ChatMessage;
  Typing: TypingEvent;
  PresenceChanged: PresenceChangedEvent;
  NewPost: Post;
  NewComment: Comment;
  Notification: NotificationEvent;
  ConnectionRequest: ConnectionRequestEvent;
  ConnectionAccepted: ConnectionAcceptedEvent;
  IssueUpdated: ChannelEventMessage;
  AlertTriggered: ChannelEventMessage;
  ChannelEvent: ChannelEventMessage;
  Error: ErrorEvent;
  AgentEvent: AgentEvent;
  MessageUpdated: MessageUpdatedEvent;
  MessageDeleted: MessageDeletedEvent;
  ReadMarker: ReadMarkerEvent;
}
export type NetraEventName = keyof NetraEvents;

/** In INetraClient's declaration order. */
export const NetraEventNames = [
  'ConnectionEstablished',
  'NewMessage',
  'Typing',
  'PresenceChanged',
  'NewPost',
  'NewComment',
  'Notification',
  'ConnectionRequest',
  'ConnectionAccepted',
  'IssueUpdated',
  'AlertTriggered',
  'ChannelEvent',
  'Error',
  'AgentEvent',
  'MessageUpdated',
  'MessageDeleted',
  'ReadMarker',
] as const satisfies readonly NetraEventName[];

// ----------------------------------------------------------------- errors (ErrorCodes.cs) --

export const ErrorCodes = {
  Unauthorized: 'UNAUTHORIZED',
  Forbidden: 'FORBIDDEN',
  NotFound: 'NOT_FOUND',
  ValidationFailed: 'VALIDATION_FAILED',
  Conflict: 'CONFLICT',
  RateLimited: 'RATE_LIMITED',
  MessageTooLarge: 'MESSAGE_TOO_LARGE',
  ConnectionLimit: 'CONNECTION_LIMIT',
  Internal: 'INTERNAL',
  Cancelled: 'CANCELLED',
} as const;
export type ErrorCode = (typeof ErrorCodes)[keyof typeof ErrorCodes];

// ------------------------------------------------------------------ channels (Channels.cs) --

export const Channels = {
  MaxNameLength: 200,
  Feed: 'feed',
  Presence: 'presence',
  Issues: 'issues',
  Alerts: 'alerts',
  chat: (chatId: number): string => `chat:${chatId}`,
  issue: (issueId: string): string => `issue:${issueId}`,
  /** The chat id of a canonical `chat:{id}` name, else null. */
  chatIdOf: (channel: string): number | null => {
    const m = /^chat:([1-9][0-9]*)$/.exec(channel);
    return m ? Number(m[1]) : null;
  },
} as const;

// ------------------------------------------------------- discovery (GET /ws/config, snake) --

export interface DiscoveryDocument {
  websocket_config: {
    version: string;
    protocol_version: string;
    features: Record<string, boolean>;
    endpoints: { websocket: string; negotiate: string; login: string; register: string };
    connection_limits: {
      max_connections_per_user: number;
      max_connections_per_node: number;
      max_message_rate: number;
      max_call_rate: number;
      max_message_bytes: number;
      connect_attempts_per_minute_per_ip: number;
      login_attempts_per_minute: number;
      heartbeat_interval: number;
      client_timeout: number;
    };
  };
}
