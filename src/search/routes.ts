import type { Context } from '../context.js';
import { ok, type ApiRouter } from '../http/api.js';
import { pageSchema } from '../http/pagination.js';
import { authorSchema as author } from '../users/schemas.js';
import { searchQuery } from './schemas.js';

const hitSchema = {
  type: 'object',
  required: ['type', 'id', 'boardId', 'postId', 'title', 'snippet', 'author', 'createDate', 'isVisible'],
  properties: {
    type: { enum: ['post', 'comment'] },
    id: { type: 'integer', description: 'the post’s or the comment’s id' },
    boardId: { type: 'integer' },
    postId: { type: 'integer', description: 'the post, or the post the comment is under' },
    title: { type: 'string', description: 'the post’s title (plain text)' },
    snippet: { type: 'string', description: 'HTML: an excerpt around the first match, escaped, every match in <mark>' },
    author,
    createDate: { type: 'string', format: 'date-time' },
    isVisible: { type: 'boolean', description: 'false only for moderators, who also find hidden content' },
  },
};

export function registerSearchRoutes(api: ApiRouter, ctx: Context): void {
  const { search } = ctx.services;

  api
    .route({
      method: 'get',
      path: '/search',
      operationId: 'search',
      summary: 'Search post titles and bodies (`type=post`) or comments (`type=comment`) in the boards the caller may read, best match first',
      description:
        'Each word of `q` is matched as a substring, case-insensitively, in Korean and English alike ("게시판" finds "자유게시판에"); ' +
        'a result holds every word. Only what the caller may read is searched: the boards the board policy allows (`boardId` ' +
        'narrows to one, 404 when the caller may not read it), visible posts and comments. A query whose every word is shorter ' +
        'than the index can look up (1–2 characters) searches only the newest 5,000 posts or comments. Results can be paged ' +
        'with `cursor` up to the 1,000th.',
      tags: ['search'],
      auth: 'optional',
      query: searchQuery,
      responses: { 200: { description: 'A page of matches', schema: pageSchema(hitSchema) } },
    })
    .handle(async ({ viewer, query }) => ok(await search.search(viewer, query)));
}
