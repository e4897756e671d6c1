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
