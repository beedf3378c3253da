import { useEffect, useState, type FormEvent } from 'react';
import { NetraError, useFeedPage, type Comment, type Post, type UseFeedPageResult } from '../netra';

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

/** The feed: a post box, then posts newest first with their comments, all live, and older ones on demand. */
export function FeedPage() {
  const feed = useFeedPage();
  return (
    <section className="page feed" aria-labelledby="feed-title">
      <header className="chat-header">
        <h2 id="feed-title">Feed</h2>
        <span className="muted">Posts from everyone, newest first; new posts and comments appear live.</span>
      </header>
      <div className="page-body feed-body">
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
      </div>
    </section>
  );
}
