import { newId } from '../ids.ts'
import { toIso, type WorkspacesTable, type Row } from '../schema.ts'
import { nowIso, type RepositoryContext } from './context.ts'

export interface Workspace {
  id: string
  slug: string
  name: string
  createdAt: string
}

const toWorkspace = (r: Row<WorkspacesTable>): Workspace => ({
  id: r.id,
  slug: r.slug,
  name: r.name,
  createdAt: toIso(r.created_at),
})

export class WorkspaceRepository {
  constructor(private readonly ctx: RepositoryContext) {}

  async create(input: { slug: string; name: string }): Promise<Workspace> {
    const at = nowIso(this.ctx)
    const row = {
      id: newId(this.ctx.now().getTime()),
      slug: input.slug,
      name: input.name,
      created_at: at,
      updated_at: at,
    }
    await this.ctx.db.insertInto('workspaces').values(row).execute()
    return toWorkspace(row)
  }

  async get(id: string): Promise<Workspace | undefined> {
    const row = await this.ctx.db.selectFrom('workspaces').selectAll().where('id', '=', id).executeTakeFirst()
    return row && toWorkspace(row)
  }

  /** The first workspace ever created: the one a fresh install bootstraps. */
  async first(): Promise<Workspace | undefined> {
    const row = await this.ctx.db
      .selectFrom('workspaces')
      .selectAll()
      .orderBy('id')
      .limit(1)
      .executeTakeFirst()
    return row && toWorkspace(row)
  }
}
