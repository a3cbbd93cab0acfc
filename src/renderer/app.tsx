export function App() {
  return <h1>OurCI</h1>;
}
