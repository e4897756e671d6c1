import type { ComponentChildren } from 'preact';
import { del } from '../api';
import { ErrorBox, Time, useAction } from '../components';
import { navigate } from '../router';

/** A resource page's top: the way back to its list, its name, its id and age (and more, as children). */
export function ResourceHeading(props: {
  list: [href: string, label: string];
  title: string;
  id: string;
  createdAt: string;
  children?: ComponentChildren;
}) {
  return (
    <>
      <p class="crumbs">
        <a href={props.list[0]}>{props.list[1]}</a> /
      </p>
      <h1>{props.title}</h1>
      <p class="muted small">
        <code>{props.id}</code> · created <Time iso={props.createdAt} />
        {props.children}
      </p>
    </>
  );
}

/** Deletes `path` once confirmed (the question says what goes with it), then shows `back`. */
export function DeleteButton({
  label,
  question,
  path,
  back,
}: {
  label: string;
  question: string;
  path: string;
  back: string;
}) {
  const [error, busy, run] = useAction();
  const remove = () =>
    run(async () => {
      if (!confirm(question)) return;
      await del(path);
      navigate(back);
    });
  return (
    <>
      <div class="actions">
        <button type="button" class="secondary" onClick={remove} disabled={busy}>
          {label}
        </button>
      </div>
      <ErrorBox error={error} />
    </>
  );
}

/**
 * A settings card: `heading`, the fields (children), a submit button, `status` (e.g. "Saved.")
 * and the error `submit` threw, worded as the API words it. `submit` runs once at a time.
 */
export function SettingsForm(props: {
  id: string;
  heading: string;
  submitLabel: string;
  status?: string | null;
  submit: () => Promise<void>;
  children: ComponentChildren;
}) {
  const [error, busy, run] = useAction();
  const onSubmit = (event: Event) => {
    event.preventDefault();
    run(props.submit);
  };
  return (
    <form class="card settings" onSubmit={onSubmit} aria-labelledby={`${props.id}-heading`}>
      <h2 id={`${props.id}-heading`}>{props.heading}</h2>
      {props.children}
      <div class="actions">
        <button type="submit" disabled={busy}>
          {props.submitLabel}
        </button>
        {props.status && <span aria-live="polite">{props.status}</span>}
      </div>
      <ErrorBox error={error} />
    </form>
  );
}
