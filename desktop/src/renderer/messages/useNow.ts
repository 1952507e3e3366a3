import { useEffect, useState } from 'react';

/** The time labels are relative to (今天, 昨天, 周三): read once a minute, so they turn over at midnight without a reload. */
export function useNow(): number {
  const [now, setNow] = useState(() => Date.now());
  useEffect(() => {
    const timer = setInterval(() => setNow(Date.now()), 60_000);
    return () => clearInterval(timer);
  }, []);
  return now;
}
