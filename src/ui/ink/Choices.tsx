import { Text } from 'ink';
import SelectInput from 'ink-select-input';

export interface Choice {
  value: string;
  label: string;
}

/** ink-select-input with an indicator and labels that honour NO_COLOR. */
export function Choices({ choices, onSelect, active, color }: { choices: Choice[]; onSelect: (value: string) => void; active: boolean; color: boolean }) {
  return (
    <SelectInput
      items={choices.map((choice) => ({ key: choice.value, label: choice.label, value: choice.value }))}
      isFocused={active}
      onSelect={(item) => onSelect(item.value)}
      indicatorComponent={({ isSelected }) => <Text {...(color && isSelected ? { color: 'blue' } : {})}>{isSelected ? '❯ ' : '  '}</Text>}
      itemComponent={({ isSelected, label }) => (
        <Text {...(color && isSelected ? { color: 'blue' } : {})} bold={isSelected && !color}>
          {label}
        </Text>
      )}
    />
  );
}
