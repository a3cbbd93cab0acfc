// The tab's title follows the page, so a row of tabs reads as a row of jobs.
import { useEffect } from 'react';

export function useTitle(title: string | undefined): void {
  useEffect(() => {
    document.title = title ? `${title} · OurCI` : 'OurCI';
  }, [title]);
}
