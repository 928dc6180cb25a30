import type { FormEvent, ReactNode } from 'react'

/** The form that stands alone on the page, under Switchyard's name, outside the app: log in, join. */
export function LoginCard(props: { title: string; onSubmit(event: FormEvent): void; children: ReactNode }) {
  return (
    <div className="login">
      <form className="login-card" onSubmit={props.onSubmit}>
        <div className="brand">
          <img src="/favicon.svg" alt="" width={32} height={32} />
          <span>Switchyard</span>
        </div>
        <h1>{props.title}</h1>
        {props.children}
      </form>
    </div>
  )
}
