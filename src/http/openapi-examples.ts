// Request and response examples of the main operations, shown (and used to pre-fill "Try it out") in /docs.
// Keyed by operationId; test/http/openapi.test.ts checks each one against the schema it illustrates.

export interface OperationExamples {
  /** The JSON request body. */
  request?: unknown;
  /** By status. */
  responses?: Record<number, unknown>;
}

const at = '2025-05-14T09:30:00.000Z';
const author = { id: 7, name: 'mina' };
const file = {
  id: 'p12',
  originalName: 'notes.txt',
  size: 13,
  mimeType: 'text/plain',
  url: '/api/v1/files/p12/signed?exp=1747218600&u=7&sig=3q2-7-8JcXyFSKFpNXXGkXFrGdKrvn1hPPqQJbhhFYs',
};

export const operationExamples: Record<string, OperationExamples> = {
  signUp: {
    request: { name: 'mina', email: 'mina@example.com', password: 'Str0ng!Passw0rd' },
    responses: {
      201: { id: 7, name: 'mina', email: 'mina@example.com', role: 'user', joinDate: at, updateDate: at, isBanned: false, bannedAt: null, banReason: null },
    },
  },
  login: {
    request: { name: 'mina', password: 'Str0ng!Passw0rd' },
    responses: { 200: { access_token: 'eyJhbGciOiJIUzI1NiIsInR5cCI6IkpXVCJ9.eyJzdWIiOiI3Ii4uLn0.c2lnbmF0dXJl', token_type: 'bearer', expires_in: 900 } },
  },
  listPosts: {
    responses: {
      200: {
        items: [
          {
            id: 42,
            boardId: 1,
            name: 'Welcome',
            author,
            createDate: at,
            updateDate: at,
            numberOfView: 12,
            numberOfComment: 1,
            numberOfLike: 3,
            isFileAttached: true,
            isVisible: true,
            likedByMe: true,
          },
          {
            id: 41,
            boardId: 1,
            name: 'House rules',
            author: { id: 1, name: 'admin' },
            createDate: at,
            updateDate: at,
            numberOfView: 40,
            numberOfComment: 0,
            numberOfLike: 5,
            isFileAttached: false,
            isVisible: true,
            likedByMe: false,
          },
        ],
        nextCursor: 'WyIyMDI1LTA1LTE0VDA5OjMwOjAwLjAwMFoiLDQxXQ',
      },
    },
  },
  listMyLikes: {
    responses: {
      200: {
        items: [
          {
            id: 42,
            boardId: 1,
            name: 'Welcome',
            author,
            createDate: at,
            updateDate: at,
            numberOfView: 12,
            numberOfComment: 1,
            numberOfLike: 3,
            isFileAttached: true,
            isVisible: true,
            likedByMe: true,
            likedAt: '2025-05-14T10:02:00.000Z',
          },
        ],
        nextCursor: 'WzEwMl0',
      },
    },
  },
  createPost: {
    request: { name: 'Welcome', content: 'Hello everyone, the meeting notes are attached.' },
    responses: {
      201: {
        id: 42,
        boardId: 1,
        name: 'Welcome',
        content: 'Hello everyone, the meeting notes are attached.',
        author,
        createDate: at,
        updateDate: at,
        numberOfView: 0,
        numberOfComment: 0,
        numberOfLike: 0,
        isFileAttached: true,
        isVisible: true,
        files: [file],
      },
    },
  },
  getPost: {
    responses: {
      200: {
        id: 42,
        boardId: 1,
        name: 'Welcome',
        content: 'Hello everyone, the meeting notes are attached.',
        author,
        createDate: at,
        updateDate: at,
        numberOfView: 13,
        numberOfComment: 1,
        numberOfLike: 3,
        isFileAttached: true,
        isVisible: true,
        likedByMe: true,
        files: [
          file,
          {
            id: 'p13',
            originalName: 'venue.jpg',
            size: 284113,
            mimeType: 'image/jpeg',
            url: '/api/v1/files/p13/signed?exp=1747218600&u=7&sig=Xo3tqmH0wSx0J5a2QyHn2QmW4d1JtB7m0d7ZWtWlq4c',
            thumbnailUrl: '/api/v1/files/p13/thumbnail?exp=1747218600&u=7&sig=b1N8yq4J8cUe8q0eK0m3Zt2qfZlq7lJmJ3YpM8i2c1A',
          },
        ],
      },
    },
  },
  createComment: {
    request: { content: 'Thanks, see you there.' },
    responses: {
      201: { id: 9, postId: 42, content: 'Thanks, see you there.', author, createDate: at, updateDate: at, isFileAttached: false, isVisible: true, files: [] },
    },
  },
  search: {
    responses: {
      200: {
        items: [
          {
            type: 'post',
            id: 42,
            boardId: 1,
            postId: 42,
            title: '자유게시판 이용 안내',
            snippet: '새 글은 자유<mark>게시판</mark>에 올려 주세요. 질문은 Q&amp;A <mark>게시판</mark>으로…',
            author,
            createDate: at,
            isVisible: true,
          },
          {
            type: 'post',
            id: 17,
            boardId: 3,
            postId: 17,
            title: 'Board rules',
            snippet: '…the <mark>board</mark> rules apply to every post and comment',
            author: { id: 1, name: 'admin' },
            createDate: at,
            isVisible: true,
          },
        ],
        nextCursor: 'WzIwXQ',
      },
    },
  },
  listNotifications: {
    responses: {
      200: {
        items: [
          {
            id: 311,
            type: 'comment',
            createdAt: at,
            readAt: null,
            actor: { id: 8, name: 'jun' },
            target: { type: 'comment', id: 9 },
            text: 'jun commented on your post “Welcome”',
            data: { postId: 42, boardId: 1 },
          },
          {
            id: 305,
            type: 'like',
            createdAt: at,
            readAt: at,
            actor: { id: 12, name: 'sora' },
            target: { type: 'post', id: 42 },
            text: '3 people liked your post “Welcome”',
            data: { count: 3, postId: 42, boardId: 1 },
          },
        ],
        nextCursor: 'WzMwNV0',
        unreadCount: 1,
      },
    },
  },
  countUnreadNotifications: { responses: { 200: { unreadCount: 1 } } },
  markNotificationsRead: { request: { ids: [311] }, responses: { 200: { unreadCount: 0 } } },
  getNotificationSettings: { responses: { 200: { comment: true, mention: true, moderation: true, chat_added: true, prediction: true, training: false, like: false, report: true } } },
  updateNotificationSettings: {
    request: { like: false },
    responses: { 200: { comment: true, mention: true, moderation: true, chat_added: true, prediction: true, training: false, like: false, report: true } },
  },
  createReport: {
    request: { targetType: 'post', targetId: 42, reason: 'spam', note: 'the same link in every board' },
    responses: { 201: { id: 5, targetType: 'post', targetId: 42, reason: 'spam', note: 'the same link in every board', status: 'open', createDate: at, resolvedAt: null } },
  },
  listMyReports: {
    responses: { 200: { items: [{ id: 5, targetType: 'post', targetId: 42, reason: 'spam', note: null, status: 'hidden', createDate: at, resolvedAt: at }], nextCursor: null } },
  },
  listReports: {
    responses: {
      200: {
        items: [
          {
            id: 5,
            targetType: 'post',
            targetId: 42,
            targetUserId: 7,
            reason: 'spam',
            note: 'the same link in every board',
            status: 'open',
            createDate: at,
            resolvedAt: null,
            resolution: null,
            reporter: { id: 8, name: 'jun' },
            resolvedBy: null,
          },
        ],
        nextCursor: 'WzVd',
      },
    },
  },
  resolveReport: {
    request: { action: 'ban', reason: 'spam in every board' },
    responses: {
      200: {
        id: 5,
        targetType: 'post',
        targetId: 42,
        targetUserId: 7,
        reason: 'spam',
        note: 'the same link in every board',
        status: 'banned',
        createDate: at,
        resolvedAt: at,
        resolution: 'spam in every board',
        reporter: { id: 8, name: 'jun' },
        resolvedBy: { id: 1, name: 'admin' },
      },
    },
  },
};
