export * from './contracts';
export {
  NetraClient, type ChannelStatus, type ConnectionState, type ConnectionStatus, type NetraClientOptions, type SendInput, type SubscribeOptions,
} from './NetraClient';
export { NetraError, type NetraErrorCode } from './NetraError';
export { JitteredBackoffPolicy, type BackoffOptions } from './backoff';
export { isPermanentRefusal, retryTransient } from './retry';
export { request } from './api';
export { NetraProvider, type NetraProviderProps } from './NetraProvider';
export {
  useNetra, useConnectionState, useNetraEvent, useChannel, useChat, useMarkRead, useAwayWhenHidden, usePageVisible,
  type ChatEntry, type UseChatResult,
} from './hooks';
export {
  applyNewMessage, applyChatEvent, applyReadMarker, useChatList, useChatSummary, type UseChatListResult,
} from './chatList';
export type { PendingMessage, TypingUser } from './chatStore';
export {
  agentAnswerClientMessageId, applyAgentEvent, interruptAgentRuns, useAgentRuns, type AgentRunStatus, type AgentRunView, type UseAgentRunsResult,
} from './agentRuns';
export {
  useEventLog, usePresence, useFeed, useNotifications, useIssueUpdates, useAlerts, useChannelEvents,
  type EventLog, type UsePresenceResult, type ChannelEvents,
} from './featureHooks';
export {
  mergePosts, mergeComments, mergeNotifications, markNotificationRead, markAllNotificationsRead, useFeedPage, useNotificationInbox,
  addNewestPosts, addOlderPosts, emptyFeedPosts, type FeedPosts, type UseFeedPageResult, type UseNotificationInboxResult,
} from './inbox';
export {
  applyDeclined, applyOwnRequest, applyRequestAccepted, applyRequestReceived, connectionListsFrom, emptyConnectionLists, useConnectionRequests,
  type ConnectionEntry, type ConnectionLists, type UseConnectionRequestsResult,
} from './connections';
