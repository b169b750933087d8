//! JSON Schema compatibility, as Confluent Schema Registry decides it
//! (`JsonSchema.isBackwardCompatible`, which runs its `json.diff.SchemaDiff`), for drafts 4, 6
//! and 7.
//!
//! [`Schema::parse`] loads a document the way the registry's loader (the everit library)
//! does, resolving `$ref`s within it and to the references given (by name, or by `$id`
//! relative to the document's `$id`); [`compare`] walks two loaded schemas as Confluent's
//! `SchemaDiff` does and lists every [`Difference`]; the [`DifferenceType`]s Confluent counts
//! as compatible (its `COMPATIBLE_CHANGES`) pass, the others fail the check. [`check_level`]
//! applies a compatibility [`Level`].
//!
//! Compared: `type` (and a list of types), `properties`, `required`, `additionalProperties`,
//! `patternProperties`, `dependencies`, `minProperties`, `maxProperties`, `items` (one schema
//! or a tuple), `additionalItems`, `minItems`, `maxItems`, `uniqueItems`, `minLength`,
//! `maxLength`, `pattern` (as text), `minimum`, `maximum`, `exclusiveMinimum`,
//! `exclusiveMaximum`, `multipleOf`, `enum`, `const`, `allOf`, `anyOf`, `oneOf`, `not`, `$ref`,
//! and `$id`, `title`, `description`, `default`, whose changes are compatible. Keywords the
//! registry does not compare are not compared here either (`format`, `propertyNames`,
//! `contains`, annotations). What the registry would compare with rules this module does not
//! have is refused with [`LoadError::NotChecked`]: conditional subschemas (`if`, `then`,
//! `else`), drafts 2019-09 and 2020-12, `$ref`s to named anchors, and pattern properties
//! whose regular expression only Java reads.

mod diff;
mod load;
#[cfg(test)]
mod tests;

use serde_json::Value;

use super::{Comparison, Direction, Finding, Level, difference_message};

pub use diff::compare;
use load::{Document, Kind, Node, NodeId};

difference_types! {
    /// Confluent's `json.diff.Difference.Type` for drafts 4 to 7: what changed between two
    /// versions of a JSON Schema, and whether the registry accepts it.
    pub enum DifferenceType {
        IdChanged = ("ID_CHANGED", true, "The schema's `$id` changed; it does not constrain data."),
        DescriptionChanged = ("DESCRIPTION_CHANGED", true, "A description changed; it does not constrain data."),
        TitleChanged = ("TITLE_CHANGED", true, "A title changed; it does not constrain data."),
        DefaultChanged = ("DEFAULT_CHANGED", true, "A default value changed; it does not constrain data."),
        SchemaAdded = ("SCHEMA_ADDED", false,
            "A schema now constrains what had none (such as `items`): values written before may not match it."),
        SchemaRemoved = ("SCHEMA_REMOVED", true, "A schema that constrained a value was removed."),
        TypeExtended = ("TYPE_EXTENDED", true, "The type now accepts more (an integer became a number)."),
        TypeNarrowed = ("TYPE_NARROWED", false,
            "The type now accepts less (a number became an integer): values written before may not match."),
        TypeChanged = ("TYPE_CHANGED", false,
            "The type changed: values written with one type do not match the other."),
        MaxLengthAdded = ("MAX_LENGTH_ADDED", false,
            "A string now has a maximum length: longer strings written before no longer match."),
        MaxLengthRemoved = ("MAX_LENGTH_REMOVED", true, "A string's maximum length was removed."),
        MaxLengthIncreased = ("MAX_LENGTH_INCREASED", true, "A string's maximum length grew."),
        MaxLengthDecreased = ("MAX_LENGTH_DECREASED", false,
            "A string's maximum length shrank: longer strings written before no longer match."),
        MinLengthAdded = ("MIN_LENGTH_ADDED", false,
            "A string now has a minimum length: shorter strings written before no longer match."),
        MinLengthRemoved = ("MIN_LENGTH_REMOVED", true, "A string's minimum length was removed."),
        MinLengthIncreased = ("MIN_LENGTH_INCREASED", false,
            "A string's minimum length grew: shorter strings written before no longer match."),
        MinLengthDecreased = ("MIN_LENGTH_DECREASED", true, "A string's minimum length shrank."),
        PatternAdded = ("PATTERN_ADDED", false,
            "A string now has a pattern: strings written before may not match it."),
        PatternRemoved = ("PATTERN_REMOVED", true, "A string's pattern was removed."),
        PatternChanged = ("PATTERN_CHANGED", false,
            "A string's pattern changed: strings written before may not match the new one."),
        MaximumAdded = ("MAXIMUM_ADDED", false,
            "A number now has a maximum: larger numbers written before no longer match."),
        MaximumRemoved = ("MAXIMUM_REMOVED", true, "A number's maximum was removed."),
        MaximumIncreased = ("MAXIMUM_INCREASED", true, "A number's maximum grew."),
        MaximumDecreased = ("MAXIMUM_DECREASED", false,
            "A number's maximum shrank: larger numbers written before no longer match."),
        MinimumAdded = ("MINIMUM_ADDED", false,
            "A number now has a minimum: smaller numbers written before no longer match."),
        MinimumRemoved = ("MINIMUM_REMOVED", true, "A number's minimum was removed."),
        MinimumIncreased = ("MINIMUM_INCREASED", false,
            "A number's minimum grew: smaller numbers written before no longer match."),
        MinimumDecreased = ("MINIMUM_DECREASED", true, "A number's minimum shrank."),
        ExclusiveMaximumAdded = ("EXCLUSIVE_MAXIMUM_ADDED", false,
            "A number now has an exclusive maximum: larger numbers written before no longer match."),
        ExclusiveMaximumRemoved = ("EXCLUSIVE_MAXIMUM_REMOVED", true, "A number's exclusive maximum was removed."),
        ExclusiveMaximumIncreased = ("EXCLUSIVE_MAXIMUM_INCREASED", true, "A number's exclusive maximum grew."),
        ExclusiveMaximumDecreased = ("EXCLUSIVE_MAXIMUM_DECREASED", false,
            "A number's exclusive maximum shrank: larger numbers written before no longer match."),
        ExclusiveMinimumAdded = ("EXCLUSIVE_MINIMUM_ADDED", false,
            "A number now has an exclusive minimum: smaller numbers written before no longer match."),
        ExclusiveMinimumRemoved = ("EXCLUSIVE_MINIMUM_REMOVED", true, "A number's exclusive minimum was removed."),
        ExclusiveMinimumIncreased = ("EXCLUSIVE_MINIMUM_INCREASED", false,
            "A number's exclusive minimum grew: smaller numbers written before no longer match."),
        ExclusiveMinimumDecreased = ("EXCLUSIVE_MINIMUM_DECREASED", true, "A number's exclusive minimum shrank."),
        MultipleOfAdded = ("MULTIPLE_OF_ADDED", false,
            "A number must now be a multiple of a step: numbers written before may not be."),
        MultipleOfRemoved = ("MULTIPLE_OF_REMOVED", true, "A number's `multipleOf` was removed."),
        MultipleOfExpanded = ("MULTIPLE_OF_EXPANDED", false,
            "A number's step became a multiple of the old one: numbers written before may not match."),
        MultipleOfReduced = ("MULTIPLE_OF_REDUCED", true, "A number's step became a divisor of the old one."),
        MultipleOfChanged = ("MULTIPLE_OF_CHANGED", false,
            "A number's step changed to one that is neither a multiple nor a divisor of the old one."),
        RequiredAttributeAdded = ("REQUIRED_ATTRIBUTE_ADDED", false,
            "A property became required, without a default: objects written without it no longer match."),
        RequiredAttributeWithDefaultAdded = ("REQUIRED_ATTRIBUTE_WITH_DEFAULT_ADDED", true,
            "A property with a default became required."),
        RequiredAttributeRemoved = ("REQUIRED_ATTRIBUTE_REMOVED", true, "A property is no longer required."),
        MaxPropertiesAdded = ("MAX_PROPERTIES_ADDED", false,
            "An object now has a maximum number of properties: larger objects written before no longer match."),
        MaxPropertiesRemoved = ("MAX_PROPERTIES_REMOVED", true, "An object's maximum number of properties was removed."),
        MaxPropertiesIncreased = ("MAX_PROPERTIES_INCREASED", true, "An object's maximum number of properties grew."),
        MaxPropertiesDecreased = ("MAX_PROPERTIES_DECREASED", false,
            "An object's maximum number of properties shrank: larger objects written before no longer match."),
        MinPropertiesAdded = ("MIN_PROPERTIES_ADDED", false,
            "An object now has a minimum number of properties: smaller objects written before no longer match."),
        MinPropertiesRemoved = ("MIN_PROPERTIES_REMOVED", true, "An object's minimum number of properties was removed."),
        MinPropertiesIncreased = ("MIN_PROPERTIES_INCREASED", false,
            "An object's minimum number of properties grew: smaller objects written before no longer match."),
        MinPropertiesDecreased = ("MIN_PROPERTIES_DECREASED", true, "An object's minimum number of properties shrank."),
        AdditionalPropertiesAdded = ("ADDITIONAL_PROPERTIES_ADDED", true,
            "An object that allowed no other properties now allows them."),
        AdditionalPropertiesRemoved = ("ADDITIONAL_PROPERTIES_REMOVED", false,
            "An object that allowed other properties no longer does: objects written with them no longer match."),
        AdditionalPropertiesExtended = ("ADDITIONAL_PROPERTIES_EXTENDED", true,
            "Other properties of an object are no longer constrained by a schema."),
        AdditionalPropertiesNarrowed = ("ADDITIONAL_PROPERTIES_NARROWED", false,
            "Other properties of an object must now match a schema: objects written with others may not."),
        DependencyArrayAdded = ("DEPENDENCY_ARRAY_ADDED", false,
            "A property now requires others: objects written with it alone no longer match."),
        DependencyArrayRemoved = ("DEPENDENCY_ARRAY_REMOVED", true, "A property no longer requires others."),
        DependencyArrayExtended = ("DEPENDENCY_ARRAY_EXTENDED", false,
            "A property now requires more others: objects written before may lack them."),
        DependencyArrayNarrowed = ("DEPENDENCY_ARRAY_NARROWED", true, "A property now requires fewer others."),
        DependencyArrayChanged = ("DEPENDENCY_ARRAY_CHANGED", false,
            "The properties a property requires changed: objects written before may lack the new ones."),
        DependencySchemaAdded = ("DEPENDENCY_SCHEMA_ADDED", false,
            "An object with a property must now match a schema: objects written before may not."),
        DependencySchemaRemoved = ("DEPENDENCY_SCHEMA_REMOVED", true,
            "An object with a property no longer has to match a schema."),
        PropertyAddedToOpenContentModel = ("PROPERTY_ADDED_TO_OPEN_CONTENT_MODEL", false,
            "A property was added to an object that allows any other property: data written before may have it with another type. Close the object (`additionalProperties: false`) to add properties."),
        PropertyWithEmptySchemaAddedToOpenContentModel = ("PROPERTY_WITH_EMPTY_SCHEMA_ADDED_TO_OPEN_CONTENT_MODEL", true,
            "A property that accepts anything was added to an object that allows any other property."),
        RequiredPropertyAddedToUnopenContentModel = ("REQUIRED_PROPERTY_ADDED_TO_UNOPEN_CONTENT_MODEL", false,
            "A required property without a default was added: objects written without it no longer match."),
        RequiredPropertyWithDefaultAddedToUnopenContentModel = ("REQUIRED_PROPERTY_WITH_DEFAULT_ADDED_TO_UNOPEN_CONTENT_MODEL", true,
            "A required property with a default was added to a closed object."),
        OptionalPropertyAddedToUnopenContentModel = ("OPTIONAL_PROPERTY_ADDED_TO_UNOPEN_CONTENT_MODEL", true,
            "An optional property was added to a closed object, which had no such property before."),
        PropertyRemovedFromOpenContentModel = ("PROPERTY_REMOVED_FROM_OPEN_CONTENT_MODEL", true,
            "A property was removed from an object that allows any other property, which now covers it."),
        PropertyWithFalseRemovedFromClosedContentModel = ("PROPERTY_WITH_FALSE_REMOVED_FROM_CLOSED_CONTENT_MODEL", true,
            "A property no value could have was removed from a closed object."),
        PropertyRemovedFromClosedContentModel = ("PROPERTY_REMOVED_FROM_CLOSED_CONTENT_MODEL", false,
            "A property was removed from an object that allows no other property: objects written with it no longer match."),
        PropertyRemovedIsCoveredByPartiallyOpenContentModel = ("PROPERTY_REMOVED_IS_COVERED_BY_PARTIALLY_OPEN_CONTENT_MODEL", true,
            "A property was removed, and the schema of the object's other properties accepts what it held."),
        PropertyRemovedNotCoveredByPartiallyOpenContentModel = ("PROPERTY_REMOVED_NOT_COVERED_BY_PARTIALLY_OPEN_CONTENT_MODEL", false,
            "A property was removed, and the schema of the object's other properties does not accept what it held."),
        PropertyAddedIsCoveredByPartiallyOpenContentModel = ("PROPERTY_ADDED_IS_COVERED_BY_PARTIALLY_OPEN_CONTENT_MODEL", true,
            "A property was added whose schema accepts what the object's other properties could hold."),
        PropertyAddedNotCoveredByPartiallyOpenContentModel = ("PROPERTY_ADDED_NOT_COVERED_BY_PARTIALLY_OPEN_CONTENT_MODEL", false,
            "A property was added whose schema does not accept what the object's other properties could hold before."),
        MaxItemsAdded = ("MAX_ITEMS_ADDED", false,
            "An array now has a maximum length: longer arrays written before no longer match."),
        MaxItemsRemoved = ("MAX_ITEMS_REMOVED", true, "An array's maximum length was removed."),
        MaxItemsIncreased = ("MAX_ITEMS_INCREASED", true, "An array's maximum length grew."),
        MaxItemsDecreased = ("MAX_ITEMS_DECREASED", false,
            "An array's maximum length shrank: longer arrays written before no longer match."),
        MinItemsAdded = ("MIN_ITEMS_ADDED", false,
            "An array now has a minimum length: shorter arrays written before no longer match."),
        MinItemsRemoved = ("MIN_ITEMS_REMOVED", true, "An array's minimum length was removed."),
        MinItemsIncreased = ("MIN_ITEMS_INCREASED", false,
            "An array's minimum length grew: shorter arrays written before no longer match."),
        MinItemsDecreased = ("MIN_ITEMS_DECREASED", true, "An array's minimum length shrank."),
        UniqueItemsAdded = ("UNIQUE_ITEMS_ADDED", false,
            "An array's items must now be unique: arrays written with repeats no longer match."),
        UniqueItemsRemoved = ("UNIQUE_ITEMS_REMOVED", true, "An array's items no longer have to be unique."),
        AdditionalItemsAdded = ("ADDITIONAL_ITEMS_ADDED", true,
            "A tuple that allowed no further items now allows them."),
        AdditionalItemsRemoved = ("ADDITIONAL_ITEMS_REMOVED", false,
            "A tuple that allowed further items no longer does: arrays written with them no longer match."),
        AdditionalItemsExtended = ("ADDITIONAL_ITEMS_EXTENDED", true,
            "A tuple's further items are no longer constrained by a schema."),
        AdditionalItemsNarrowed = ("ADDITIONAL_ITEMS_NARROWED", false,
            "A tuple's further items must now match a schema: arrays written before may not."),
        ItemAddedToOpenContentModel = ("ITEM_ADDED_TO_OPEN_CONTENT_MODEL", false,
            "An item was added to a tuple that allows any further item: data written before may have one of another type there."),
        ItemWithEmptySchemaAddedToOpenContentModel = ("ITEM_WITH_EMPTY_SCHEMA_ADDED_TO_OPEN_CONTENT_MODEL", true,
            "An item that accepts anything was added to a tuple that allows any further item."),
        ItemAddedToClosedContentModel = ("ITEM_ADDED_TO_CLOSED_CONTENT_MODEL", true,
            "An item was added to a tuple that allowed no further items."),
        ItemRemovedFromOpenContentModel = ("ITEM_REMOVED_FROM_OPEN_CONTENT_MODEL", true,
            "An item was removed from a tuple that allows any further item, which now covers it."),
        ItemWithFalseRemovedFromClosedContentModel = ("ITEM_WITH_FALSE_REMOVED_FROM_CLOSED_CONTENT_MODEL", true,
            "An item no value could have was removed from a closed tuple."),
        ItemRemovedFromClosedContentModel = ("ITEM_REMOVED_FROM_CLOSED_CONTENT_MODEL", false,
            "An item was removed from a tuple that allows no further items: arrays written with it no longer match."),
        ItemRemovedIsCoveredByPartiallyOpenContentModel = ("ITEM_REMOVED_IS_COVERED_BY_PARTIALLY_OPEN_CONTENT_MODEL", true,
            "An item was removed, and the schema of the tuple's further items accepts what it held."),
        ItemRemovedNotCoveredByPartiallyOpenContentModel = ("ITEM_REMOVED_NOT_COVERED_BY_PARTIALLY_OPEN_CONTENT_MODEL", false,
            "An item was removed, and the schema of the tuple's further items does not accept what it held."),
        ItemAddedIsCoveredByPartiallyOpenContentModel = ("ITEM_ADDED_IS_COVERED_BY_PARTIALLY_OPEN_CONTENT_MODEL", true,
            "An item was added whose schema accepts what the tuple's further items could hold."),
        ItemAddedNotCoveredByPartiallyOpenContentModel = ("ITEM_ADDED_NOT_COVERED_BY_PARTIALLY_OPEN_CONTENT_MODEL", false,
            "An item was added whose schema does not accept what the tuple's further items could hold before."),
        EnumArrayExtended = ("ENUM_ARRAY_EXTENDED", true, "An enum gained values."),
        EnumArrayNarrowed = ("ENUM_ARRAY_NARROWED", false,
            "An enum lost values: data written with them no longer matches."),
        EnumArrayChanged = ("ENUM_ARRAY_CHANGED", false,
            "An enum's values (or a `const`) changed: data written with the old ones no longer matches."),
        CombinedTypeExtended = ("COMBINED_TYPE_EXTENDED", true,
            "A combination became one that accepts at least as much (such as `oneOf` to `anyOf`)."),
        CombinedTypeChanged = ("COMBINED_TYPE_CHANGED", false,
            "A combination changed between `allOf`, `anyOf` and `oneOf` in a way that accepts less."),
        ProductTypeExtended = ("PRODUCT_TYPE_EXTENDED", false,
            "An `allOf` gained a subschema: values must match one more schema."),
        ProductTypeNarrowed = ("PRODUCT_TYPE_NARROWED", true,
            "An `allOf` lost a subschema: values match one schema fewer."),
        SumTypeExtended = ("SUM_TYPE_EXTENDED", true, "A union (`anyOf`, `oneOf`) gained an alternative."),
        SumTypeNarrowed = ("SUM_TYPE_NARROWED", false,
            "A union (`anyOf`, `oneOf`) lost an alternative: data written with it no longer matches."),
        CombinedTypeSubschemasChanged = ("COMBINED_TYPE_SUBSCHEMAS_CHANGED", false,
            "The subschemas of a combination changed: not every one has a compatible counterpart."),
        NotTypeExtended = ("NOT_TYPE_EXTENDED", false,
            "A `not` now excludes more: data written before may be excluded."),
        NotTypeNarrowed = ("NOT_TYPE_NARROWED", true, "A `not` now excludes less."),
    }
}

/// One change between two JSON Schema versions ([`crate::Difference`]). Its `path` holds the
/// keywords and property names that lead there (`["properties", "color"]` is
/// `#/properties/color`); a subschema of a combination is one segment (`allOf/1`), as is an
/// item of a tuple (`items/0`); a `$ref` is followed without a segment of its own.
pub type Difference = crate::Difference<DifferenceType>;

/// A JSON Schema that could not be loaded, or that this module cannot check.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum LoadError {
    /// The text is not JSON (a reference's is named).
    #[error("{0}")]
    NotJson(String),
    /// The JSON is not a schema the registry would load.
    #[error("at {location}: {message}")]
    Invalid {
        /// The document (empty for the schema itself) and JSON pointer, e.g. `#/properties/a`.
        location: String,
        /// What is wrong.
        message: String,
    },
    /// A `$ref` to a document that is neither the schema nor one of its references.
    #[error("at {location}: $ref `{reference}` names no document at hand")]
    Unresolved {
        /// Where the `$ref` is.
        location: String,
        /// The `$ref`.
        reference: String,
    },
    /// A construct the registry compares with rules this module does not reproduce.
    #[error("at {location}: {reason} is not checked offline")]
    NotChecked {
        /// Where it is.
        location: String,
        /// What it is.
        reason: String,
    },
}

/// A loaded JSON Schema.
#[derive(Debug, Clone)]
pub struct Schema {
    pub(crate) nodes: Vec<Node>,
    pub(crate) root: NodeId,
    /// The schema's text, for the lines of the report.
    text: String,
}

impl Schema {
    /// Loads the JSON Schema `text`; `references` are the documents its `$ref`s may name,
    /// each `(name, text)` (the name as the `$ref` writes it, e.g. `money.json`).
    pub fn parse(text: &str, references: &[(String, String)]) -> Result<Schema, LoadError> {
        let value: Value =
            serde_json::from_str(text).map_err(|e| LoadError::NotJson(e.to_string()))?;
        let mut documents = vec![Document {
            name: String::new(),
            value,
        }];
        for (name, text) in references {
            let value: Value = serde_json::from_str(text)
                .map_err(|e| LoadError::NotJson(format!("reference {name}: {e}")))?;
            documents.push(Document {
                name: name.clone(),
                value,
            });
        }
        let (nodes, root) = load::load(&documents)?;
        Ok(Schema {
            nodes,
            root,
            text: text.to_string(),
        })
    }

    /// The node a reference leads to (through references to references).
    pub(crate) fn resolve(&self, mut id: NodeId) -> NodeId {
        for _ in 0..self.nodes.len() {
            match self.nodes[id].kind {
                Kind::Reference(target) => id = target,
                _ => return id,
            }
        }
        id
    }
}

/// Checks `new` against its `earlier` versions (newest first) at `level`
/// ([`Level::pairs`]), as Confluent's registry does: a backward check compares the earlier
/// version (Confluent's original) with the new one (its update), a forward check the new one
/// with the earlier. Only the differences Confluent does not accept are kept.
pub fn check_level(new: &Schema, earlier: &[Schema], level: Level) -> Vec<Comparison> {
    crate::differences_by_level(
        new,
        earlier,
        level,
        compare,
        |d| d.kind.is_compatible(),
        finding,
    )
}

/// A difference as the report shows it, on the line of the new schema its path reaches.
fn finding(difference: &Difference, direction: Direction, new: &Schema) -> Finding {
    let what = difference.kind.as_str().to_lowercase().replace('_', " ");
    let pointer: Vec<String> = difference
        .path
        .iter()
        .flat_map(|segment| segment.split('/').map(load::escape).collect::<Vec<_>>())
        .collect();
    Finding {
        kind: difference.kind.as_str(),
        location: difference.location(),
        message: difference_message(
            &what,
            difference.original.as_deref(),
            difference.update.as_deref(),
            direction,
        ),
        causes: Vec::new(),
        explanation: difference.kind.explain(),
        line: super::source::line_of(&new.text, &format!("/{}", pointer.join("/"))),
    }
}
