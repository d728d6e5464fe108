import CLuaShim

/// Describes how a Swift class appears in Lua: its methods, properties and metamethods.
///
/// Methods receive the call with `self` as argument 1 (get it with `call.object(1)` or, in the
/// closures given here, as the typed first parameter). Getters see `(self, key)`; setters see
/// `(self, key, value)`. Calling a method on anything but an instance of `T` raises
/// `bad argument #1 to 'Name:method' (Name expected, got ...)` instead of crashing.
public struct LuaClass<T: AnyObject> {
    public let name: String
    var methods: [(String, LuaFunctionBody)] = []
    var getters: [(String, LuaFunctionBody)] = []
    var setters: [(String, LuaFunctionBody)] = []

    public init(_ name: String) { self.name = name }

    /// A method: `obj:name(...)`. Arguments start at 2.
    public mutating func method(_ method: String, _ body: @escaping (T, LuaCall) throws -> Int32) {
        let qualified = method.hasPrefix("__") ? "\(name).\(method)" : "\(name):\(method)"
        methods.append((qualified, { call in try body(try call.object(1, as: T.self), call) }))
    }

    /// A read-only property: `obj.name`.
    public mutating func property(_ property: String, _ get: @escaping (T, LuaCall) throws -> Int32) {
        getters.append(("\(name).\(property)", { call in try get(try call.object(1, as: T.self), call) }))
    }

    /// A read-write property; the setter reads the new value at argument 3.
    public mutating func property(
        _ property: String,
        get: @escaping (T, LuaCall) throws -> Int32,
        set: @escaping (T, LuaCall) throws -> Void
    ) {
        getters.append(("\(name).\(property)", { call in try get(try call.object(1, as: T.self), call) }))
        setters.append(("\(name).\(property)", { call in
            try set(try call.object(1, as: T.self), call)
            return 0
        }))
    }

    /// `__tostring`.
    public mutating func description(_ body: @escaping (T) -> String) {
        method("__tostring") { object, call in
            call.push(body(object))
            return 1
        }
    }
}

extension LuaState {
    /// Registers the Lua face of `T`. Objects of `T` (or of subclasses not registered on their
    /// own) pushed afterwards get it. Registering again replaces it for new objects.
    public func register<T: AnyObject>(_ luaClass: LuaClass<T>) {
        let L = self.L
        lua_createtable(L, 0, Int32(luaClass.methods.count))
        for (qualified, body) in luaClass.methods {
            let field = String(qualified.split(whereSeparator: { $0 == ":" || $0 == "." }).last!)
            push(function: qualified, body)
            lua_setfield(L, -2, field)
        }
        for table in [luaClass.getters, luaClass.setters] {
            lua_createtable(L, 0, Int32(table.count))
            for (qualified, body) in table {
                let field = String(qualified.split(separator: ".").last!)
                push(function: qualified, body)
                lua_setfield(L, -2, field)
            }
        }
        pushString(luaClass.name)
        rscript_make_class_metatable(L)
        let id = ObjectIdentifier(T.self)
        if let old = classMetatables[id] { luaL_unref(L, rscript_registryindex(), old) }
        classMetatables[id] = luaL_ref(L, rscript_registryindex())
        classNames[id] = luaClass.name
    }

    /// Pushes `object` as userdata of its registered class (looking up superclasses). The
    /// userdata keeps the object alive until Lua collects it; `__gc` releases it.
    public func push<T: AnyObject>(object: T, on thread: OpaquePointer? = nil) {
        let L = thread ?? self.L
        var type: AnyClass? = Swift.type(of: object)
        var metatable: Int32?
        while let t = type, metatable == nil {
            metatable = classMetatables[ObjectIdentifier(t)]
            type = class_getSuperclassPortable(t)
        }
        guard let metatable else {
            fatalError("LuaBridge: push(object:) of \(Swift.type(of: object)), a class never registered")
        }
        lua_rawgeti(L, rscript_registryindex(), lua_Integer(metatable))
        let tag = UnsafeRawPointer(bitPattern: unsafeBitCast(Swift.type(of: object) as AnyObject.Type, to: Int.self))
        rscript_push_object(L, Unmanaged.passRetained(object as AnyObject).toOpaque(), tag, -1)
        lua_rotate(L, -2, 1)
        lua_settop(L, -2)
    }

    func className<T>(of type: T.Type) -> String {
        if let t = type as? AnyClass, let name = classNames[ObjectIdentifier(t)] { return name }
        return String(describing: type)
    }
}

/// `class_getSuperclass` without the Objective-C runtime.
func class_getSuperclassPortable(_ type: AnyClass) -> AnyClass? {
    _getSuperclass(type)
}
