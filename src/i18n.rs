//! All user-facing text, from the Fluent files in `locales/` (embedded in the binary).
use crate::config::Lang;
use fluent_bundle::concurrent::FluentBundle;
use fluent_bundle::{FluentArgs, FluentResource, FluentValue};
use std::sync::Arc;

pub const ZH_CN: &str = include_str!("../locales/zh-CN/main.ftl");
pub const EN: &str = include_str!("../locales/en/main.ftl");

#[derive(Debug, thiserror::Error)]
pub enum I18nError {
    #[error("locale {lang}: {detail}")]
    Invalid { lang: &'static str, detail: String },
}

#[derive(Clone)]
pub struct I18n {
    zh: Arc<FluentBundle<FluentResource>>,
    en: Arc<FluentBundle<FluentResource>>,
}

fn bundle(lang: &'static str, source: &str) -> Result<FluentBundle<FluentResource>, I18nError> {
    let invalid = |detail: String| I18nError::Invalid { lang, detail };
    let resource = FluentResource::try_new(source.to_string())
        .map_err(|(_, errs)| invalid(format!("{errs:?}")))?;
    let id = lang.parse().map_err(|e| invalid(format!("{e:?}")))?;
    let mut b = FluentBundle::new_concurrent(vec![id]);
    // Bidi isolation marks would end up inside Telegram messages and commands.
    b.set_use_isolating(false);
    b.add_resource(resource)
        .map_err(|errs| invalid(format!("{errs:?}")))?;
    Ok(b)
}

impl I18n {
    pub fn load() -> Result<I18n, I18nError> {
        Ok(I18n {
            zh: Arc::new(bundle("zh-CN", ZH_CN)?),
            en: Arc::new(bundle("en", EN)?),
        })
    }

    fn bundle(&self, lang: Lang) -> &FluentBundle<FluentResource> {
        match lang {
            Lang::ZhCn => &self.zh,
            Lang::En => &self.en,
        }
    }

    pub fn has(&self, lang: Lang, key: &str) -> bool {
        self.bundle(lang).has_message(key)
    }

    /// The text for `key`; a missing key shows itself (a test keeps both files complete).
    pub fn t(&self, lang: Lang, key: &str, args: &[(&str, FluentValue<'_>)]) -> String {
        let bundle = self.bundle(lang);
        let Some(pattern) = bundle.get_message(key).and_then(|m| m.value()) else {
            tracing::error!(key, lang = lang.code(), "missing locale key");
            return key.to_string();
        };
        let mut fargs = FluentArgs::new();
        for (k, v) in args {
            fargs.set(*k, v.clone());
        }
        let mut errors = Vec::new();
        let text = bundle.format_pattern(pattern, Some(&fargs), &mut errors);
        if !errors.is_empty() {
            tracing::error!(key, ?errors, "locale formatting");
        }
        text.into_owned()
    }
}

/// `tr!(i18n, lang, "key", name = value, ...)`
#[macro_export]
macro_rules! tr {
    ($i18n:expr, $lang:expr, $key:expr $(, $name:ident = $value:expr)* $(,)?) => {
        $i18n.t($lang, $key, &[$((stringify!($name), ::fluent_bundle::FluentValue::from($value))),*])
    };
}

impl I18n {
    /// Every message whose id starts with `prefix`, its variables left as `{name}` for a page
    /// to fill in (the board's words, served to its script).
    pub fn templates(
        &self,
        lang: Lang,
        prefix: &str,
    ) -> std::collections::BTreeMap<String, String> {
        use fluent_syntax::ast::{Entry, Expression, InlineExpression, PatternElement};
        let source = match lang {
            Lang::ZhCn => ZH_CN,
            Lang::En => EN,
        };
        let Ok(resource) = fluent_syntax::parser::parse(source) else {
            return Default::default();
        };
        let mut out = std::collections::BTreeMap::new();
        for entry in resource.body {
            let Entry::Message(m) = entry else { continue };
            if !m.id.name.starts_with(prefix) {
                continue;
            }
            let vars: Vec<&str> = m
                .value
                .iter()
                .flat_map(|p| &p.elements)
                .filter_map(|e| match e {
                    PatternElement::Placeable {
                        expression: Expression::Inline(InlineExpression::VariableReference { id }),
                    } => Some(id.name),
                    _ => None,
                })
                .collect();
            let holes: Vec<String> = vars.iter().map(|v| format!("{{{v}}}")).collect();
            let args: Vec<(&str, FluentValue)> = vars
                .iter()
                .zip(&holes)
                .map(|(v, h)| (*v, FluentValue::from(h.as_str())))
                .collect();
            out.insert(m.id.name.to_string(), self.t(lang, m.id.name, &args));
        }
        out
    }
}

/// Message ids defined in a Fluent source, for the parity test.
pub fn keys(source: &str) -> Vec<String> {
    let Ok(resource) = FluentResource::try_new(source.to_string()) else {
        return Vec::new();
    };
    let mut out: Vec<String> = resource
        .entries()
        .filter_map(|e| match e {
            fluent_syntax::ast::Entry::Message(m) => Some(m.id.name.to_string()),
            _ => None,
        })
        .collect();
    out.sort();
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn both_locales_have_the_same_keys() {
        let zh = keys(ZH_CN);
        let en = keys(EN);
        assert!(!zh.is_empty());
        let only_zh: Vec<_> = zh.iter().filter(|k| !en.contains(k)).collect();
        let only_en: Vec<_> = en.iter().filter(|k| !zh.contains(k)).collect();
        assert!(
            only_zh.is_empty() && only_en.is_empty(),
            "only zh-CN: {only_zh:?}; only en: {only_en:?}"
        );
    }

    #[test]
    fn loads_and_formats_with_arguments() {
        let i = I18n::load().expect("locales parse");
        let en = tr!(
            i,
            Lang::En,
            "joined",
            unit = "Wangcun",
            role = "duty officer"
        );
        assert!(
            en.contains("Wangcun") && en.contains("duty officer"),
            "{en}"
        );
        assert!(!en.contains('\u{2068}'), "no bidi isolation marks");
        assert_ne!(
            tr!(i, Lang::ZhCn, "help-title"),
            tr!(i, Lang::En, "help-title")
        );
    }
}
