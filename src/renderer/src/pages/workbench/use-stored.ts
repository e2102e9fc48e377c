import { useEffect, useState } from 'react';

/** useState that survives reloads (localStorage), for the editor text and pickers. */
export function useStored<T>(key: string, initial: T): [T, (v: T) => void] {
  const [value, setValue] = useState<T>(() => {
    try {
      const raw = localStorage.getItem(key);
      return raw === null ? initial : (JSON.parse(raw) as T);
    } catch {
      return initial;
    }
  });
  useEffect(() => {
    const t = setTimeout(() => {
      try {
        localStorage.setItem(key, JSON.stringify(value));
      } catch {
        // Storage full or unavailable: the value lives for this session only.
      }
    }, 300);
    return () => clearTimeout(t);
  }, [key, value]);
  return [value, setValue];
}
