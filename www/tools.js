// The two tools of the demo. They run in this page: the model asks for a call, the page runs it and
// sends the result back (see runToolLoop in demo.js).

const CONDITIONS = ['sonnig', 'leicht bewölkt', 'bewölkt', 'Regenschauer', 'windig'];

/** A made-up but stable forecast: the same city always gets the same weather. */
function getWeather({ city, unit = 'celsius' }) {
  if (typeof city !== 'string' || !city.trim()) throw new Error('city is required');
  let h = 0;
  for (const ch of city.trim().toLowerCase()) h = (h * 31 + ch.codePointAt(0)) >>> 0;
  const celsius = 4 + (h % 22);
  const temperature = unit === 'fahrenheit' ? Math.round(celsius * 1.8 + 32) : celsius;
  return { city: city.trim(), temperature, unit, condition: CONDITIONS[h % CONDITIONS.length] };
}

function multiply({ a, b }) {
  if (typeof a !== 'number' || typeof b !== 'number') throw new Error('a and b must be numbers');
  return { a, b, product: a * b };
}

export const TOOLS = [
  {
    definition: {
      type: 'function',
      function: {
        name: 'get_weather',
        description: 'Current weather for a city',
        parameters: {
          type: 'object',
          properties: {
            city: { type: 'string', description: 'City name, e.g. Berlin' },
            unit: { type: 'string', enum: ['celsius', 'fahrenheit'] },
          },
          required: ['city'],
          additionalProperties: false,
        },
      },
    },
    run: getWeather,
  },
  {
    definition: {
      type: 'function',
      function: {
        name: 'multiply',
        description: 'Multiplies two numbers exactly',
        parameters: {
          type: 'object',
          properties: { a: { type: 'number' }, b: { type: 'number' } },
          required: ['a', 'b'],
          additionalProperties: false,
        },
      },
    },
    run: multiply,
  },
];

/** Runs one tool call ({function: {name, arguments}}); returns the result object (errors included). */
export function runTool(call) {
  const tool = TOOLS.find((t) => t.definition.function.name === call.function?.name);
  if (!tool) return { error: `unknown tool ${call.function?.name}` };
  let args;
  try {
    args = JSON.parse(call.function.arguments || '{}');
  } catch {
    return { error: 'arguments are not valid JSON' };
  }
  try {
    return tool.run(args);
  } catch (e) {
    return { error: e.message };
  }
}
