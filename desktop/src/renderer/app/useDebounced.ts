import { useEffect, useState } from 'react';

/** `value` once it has stayed the same for `ms`: one search per pause in typing, not one per keystroke. */
export function useDebounced<V>(value: V, ms: number): V {
  const [settled, setSettled] = useState(value);
  useEffect(() => {
    const timer = setTimeout(() => setSettled(value), ms);
    return () => clearTimeout(timer);
  }, [value, ms]);
  return settled;
}
