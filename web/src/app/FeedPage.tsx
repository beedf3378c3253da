import { useEffect, useState, type FormEvent } from 'react';
import { NetraError, useFeedPage, useNetra, type Comment, type Post, type UseFeedPageResult } from '../netra';
import { feedHref } from './useHashRoute';

const time = (iso: string) => {
  const d = new Date(iso);
  return Number.isNaN(d.getTime()) ? '' : d.toLocaleString([], { dateStyle: 'short', timeStyle: 'short' });
};

/** A text box with a submit button; clears itself once `submit` succeeds, shows its error otherwise. */
function TextForm({ label, button, rows, submit }: { label: string; button: string; rows: number; submit(text: string): Promise<unknown> }) {
  const [text, setText] = useState('');
  const [busy, setBusy] = useState(false);
  const [error, setError] = useState<string | null>(null);
  const onSubmit = async (e: FormEvent) => {
    e.preventDefault();
    if (!text.trim() || busy) return;
    setBusy(true);
    setError(null);
    try {
      await submit(text);
      setText('');
    } catch (err) {
      setError(NetraError.parse(err).message);
    } finally {
      setBusy(false);
    }
  };
  return (
    <form className="text-form" onSubmit={onSubmit}>
      <textarea aria-label={label} placeholder={label} rows={rows} value={text} maxLength={4000} onChange={(e) => setText(e.target.value)} />
      <button type="submit" className="primary" disabled={busy || !text.trim()}>
        {button}
      </button>
      {error && <p className="error" role="alert">{error}</p>}
    </form>
  );
}

function CommentItem({ c }: { c: Comment }) {
  return (
    <li className="comment">
      <div className="meta">
        <span className="sender">{c.authorName}</span>
        <time dateTime={c.timestamp}>{time(c.timestamp)}</time>
      </div>
      <div className="body">{c.content}</div>
    </li>
  );
}

function PostItem({ post, comments, feed }: { post: Post; comments: Comment[]; feed: UseFeedPageResult }) {
  const { loadComments, addComment } = feed;
  useEffect(() => {
    void loadComments(post.id);
  }, [loadComments, post.id]);
  return (
    <li className="post" aria-label={`Post by ${post.authorName}`}>
      <div className="meta">
        <span className="sender">{post.authorName}</span>
        <time dateTime={post.timestamp}>{time(post.timestamp)}</time>
      </div>
      <div className="body">{post.content}</div>
      <ol className="comments" aria-label="Comments">
        {comments.map((c) => <CommentItem key={c.id} c={c} />)}
      </ol>
      <TextForm label="Write a comment" button="Comment" rows={1} submit={(text) => addComment(post.id, text)} />
    </li>
  );
}

/**
 * One post (a notification's target, #/feed/{id}) with its comments, live: taken from the feed when
 * it is among the posts read, else read on its own (GET /api/posts/{id}), so that the feed's pages
 * stay a run of the newest posts.
 */
function SinglePost({ postId, feed }: { postId: number; feed: UseFeedPageResult }) {
  const client = useNetra();
  const held = feed.posts.find((p) => p.id === postId);
  const [read, setRead] = useState<Post | null>(null);
  const [error, setError] = useState<NetraError | null>(null);
  const isHeld = held !== undefined;
  useEffect(() => {
    if (isHeld) return;
    let active = true;
    setError(null);
    client.http<Post>(`/api/posts/${postId}`).then(
      (p) => active && setRead(p),
      (e: unknown) => active && setError(NetraError.parse(e)),
    );
    return () => {
      active = false;
    };
  }, [client, postId, isHeld]);
  const post = held ?? (read?.id === postId ? read : null);
  return (
    <>
      <a className="back" href={feedHref}>← All posts</a>
      {error && !post && (
        <p className="error" role="alert">{error.code === 'NOT_FOUND' ? 'This post does not exist.' : `Could not load the post: ${error.message}`}</p>
      )}
      {!post && !error && <p className="muted">Loading…</p>}
      {post && (
        <ol className="posts single" aria-label="Post">
          <PostItem post={post} comments={feed.commentsByPost[post.id] ?? []} feed={feed} />
        </ol>
      )}
    </>
  );
}

/** The feed: a post box, then posts newest first with their comments, all live, and older ones on demand; or one post. */
export function FeedPage({ postId = null }: { postId?: number | null }) {
  const feed = useFeedPage();
  return (
    <section className="page feed" aria-labelledby="feed-title">
      <header className="chat-header">
        <h2 id="feed-title">Feed</h2>
        <span className="muted">Posts from everyone, newest first; new posts and comments appear live.</span>
      </header>
      <div className="page-body feed-body">
        {postId !== null ? (
          <SinglePost postId={postId} feed={feed} />
        ) : (
          <>
            <TextForm label="Write a post" button="Post" rows={3} submit={feed.createPost} />
            {feed.error && <p className="error" role="alert">Could not load the feed: {feed.error.message}</p>}
            {feed.loading && <p className="muted">Loading…</p>}
            {!feed.loading && feed.posts.length === 0 && <p className="muted">No posts yet. Write the first one.</p>}
            <ol className="posts" aria-label="Posts">
              {feed.posts.map((p) => <PostItem key={p.id} post={p} comments={feed.commentsByPost[p.id] ?? []} feed={feed} />)}
            </ol>
            {feed.hasOlder && (
              <button type="button" className="older-posts" onClick={() => void feed.loadOlder()} disabled={feed.loadingOlder}>
                {feed.loadingOlder ? 'Loading older posts…' : 'Load older posts'}
              </button>
            )}
            {!feed.loading && !feed.hasOlder && feed.posts.length > 0 && <p className="muted end">That is every post.</p>}
          </>
        )}
      </div>
    </section>
  );
}
